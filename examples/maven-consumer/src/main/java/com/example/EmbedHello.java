package com.example;

import dev.bellm.embed.Embedder;

import java.nio.file.Path;
import java.util.List;

/** Embeds two sentences with the model given as the first argument and prints their cosine similarity. */
public class EmbedHello {
    public static void main(String[] args) {
        Embedder encoder = Embedder.builder().model(Path.of(args[0])).prompt(Embedder.BELLM_PROMPT).normalize(true).build();
        float[][] v = encoder.embed(List.of("A man is playing a guitar.", "A person plays music.")).vectors();
        double cosine = 0;
        for (int i = 0; i < v[0].length; i++) cosine += v[0][i] * v[1][i];
        System.out.printf("dimension %d, cosine %.4f%n", v[0].length, cosine);
    }
}
