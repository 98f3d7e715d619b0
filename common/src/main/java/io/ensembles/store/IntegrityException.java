package io.ensembles.store;

/** A stored artifact that does not match what its manifest says (changed, corrupted, missing or misplaced). */
public class IntegrityException extends RuntimeException {
    public IntegrityException(String message) {
        super(message);
    }
}
