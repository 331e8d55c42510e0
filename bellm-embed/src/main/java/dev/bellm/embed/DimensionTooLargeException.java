package dev.bellm.embed;

/** Output dimensions (Matryoshka truncation) asked beyond what the encoder produces, or not positive. */
public final class DimensionTooLargeException extends EncoderInputException {
    private final int requested;
    private final int available;

    public DimensionTooLargeException(int requested, int available) {
        super("dimensions " + requested + " is " + (requested <= 0 ? "not positive" : "more than the encoder's " + available)
                + "; choose 1.." + available);
        this.requested = requested;
        this.available = available;
    }

    public int requested() {
        return requested;
    }

    public int available() {
        return available;
    }
}
