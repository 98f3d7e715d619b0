package io.ensembles.store;

import java.io.IOException;

/**
 * Thrown by {@link MemberCheckpoints#save} when another attempt of this member (a retry or a
 * speculative copy) has already stored it complete: this attempt's work is moot and it should stop.
 */
public final class AlreadyStoredException extends IOException {
    public AlreadyStoredException(String id) {
        super("member " + id + ": another attempt has already stored it complete");
    }
}
