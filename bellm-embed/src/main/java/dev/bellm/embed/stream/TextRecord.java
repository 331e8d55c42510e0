package dev.bellm.embed.stream;

/** One input text: its 1-based line number in the input, its id (null when the input has none) and the text. */
public record TextRecord(long line, String id, String text) {}
