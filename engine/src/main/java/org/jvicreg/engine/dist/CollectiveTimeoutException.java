package org.jvicreg.engine.dist;

/**
 * A collective that the other ranks did not join in time: one of them has stopped, deadlocked or died
 * without the launcher noticing. The group cannot be used afterwards; the process should exit.
 */
public final class CollectiveTimeoutException extends RuntimeException {
    public CollectiveTimeoutException(String message) {
        super(message);
    }
}
