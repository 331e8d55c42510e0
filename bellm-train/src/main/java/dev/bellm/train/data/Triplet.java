package dev.bellm.train.data;

import java.util.List;

/** AnglE's {@code {"text", "positive", "negative"}} row: an anchor, a text close to it and a hard negative. */
public record Triplet(String text, String positive, String negative) implements Example {
    public Triplet {
        ExampleChecks.requireText("text", text);
        ExampleChecks.requireText("positive", positive);
        ExampleChecks.requireText("negative", negative);
    }

    @Override
    public List<String> texts() {
        return List.of(text, positive, negative);
    }
}
