package org.jvicreg.vicreg.cli;

/** One {@code bin/vicreg} subcommand. */
public interface Command {
    /** The word after {@code vicreg}. */
    String name();

    /** One line for the command list. */
    String summary();

    /** Options that take no value (e.g. "resume" for --resume). */
    default java.util.Set<String> flags() {
        return java.util.Set.of();
    }

    /** Options that may be given more than once (e.g. "grid" for ablate's --grid). */
    default java.util.Set<String> repeatable() {
        return java.util.Set.of();
    }

    /** The full {@code --help} text: usage line, then each option with its default. */
    String help();

    /**
     * Runs the command. Returns the exit code; throws {@link UsageException} for bad arguments and any
     * other exception for failures (both become one line on stderr and a non-zero exit).
     */
    int run(Args args) throws Exception;
}
