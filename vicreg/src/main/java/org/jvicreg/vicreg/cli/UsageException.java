package org.jvicreg.vicreg.cli;

/** A bad command line: reported as one line with a pointer to --help, exit code 2. */
public class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
