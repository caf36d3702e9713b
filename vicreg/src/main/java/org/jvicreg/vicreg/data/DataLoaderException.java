package org.jvicreg.vicreg.data;

/**
 * A failure while making a batch on a loader worker (an unreadable image, a bug in a dataset),
 * rethrown on the consumer's thread with the epoch and batch it belongs to; the original is the cause.
 */
public final class DataLoaderException extends RuntimeException {
    public DataLoaderException(String message, Throwable cause) {
        super(message, cause);
    }
}
