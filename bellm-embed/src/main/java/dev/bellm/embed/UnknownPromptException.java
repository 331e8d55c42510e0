package dev.bellm.embed;

import java.util.Set;

/** A prompt name the encoder's recipe does not define. */
public final class UnknownPromptException extends EncoderInputException {
    public UnknownPromptException(String name, Set<String> known) {
        super("no prompt named '" + name + "'; this encoder's prompts are " + (known.isEmpty() ? "none" : String.join(", ", known)));
    }
}
