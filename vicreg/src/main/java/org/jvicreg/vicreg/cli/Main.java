package org.jvicreg.vicreg.cli;

import java.util.List;

/**
 * {@code bin/vicreg COMMAND [options]}: dispatches to a {@link Command}. Every failure is one line on
 * stderr ("vicreg COMMAND: error: ...") and a non-zero exit code (2 for usage errors, 1 otherwise), whatever
 * was thrown, Errors included.
 */
public final class Main {
    /** Every subcommand, in the order --help lists them. */
    static final List<Command> COMMANDS = List.of(
            new PretrainCommand(),
            new LinearEvalCommand(),
            new KnnCommand(),
            new ReportCommand(),
            new EmbedCommand(),
            new EmbedImagesCommand(),
            new AugmentCommand(),
            new DemoCommand(),
            new AblateCommand(),
            new LossCommand(),
            new ForwardCommand(),
            new BenchCommand()
    );

    private Main() {}

    public static void main(String[] argv) {
        System.exit(run(argv));
    }

    /** Runs one command line and returns its exit code (what main passes to System.exit). */
    public static int run(String[] argv) {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
            System.out.print(overview());
            return argv.length == 0 ? 2 : 0;
        }
        Command cmd = COMMANDS.stream().filter(c -> c.name().equals(argv[0])).findFirst().orElse(null);
        if (cmd == null) {
            System.err.println("vicreg: error: unknown command '" + argv[0] + "' (run 'vicreg --help' for the list)");
            return 2;
        }
        String[] rest = java.util.Arrays.copyOfRange(argv, 1, argv.length);
        if (List.of(rest).contains("--help") || List.of(rest).contains("-h")) {
            System.out.print(cmd.help());
            return 0;
        }
        try {
            return cmd.run(Args.parse(rest, cmd.flags(), cmd.repeatable()));
        } catch (UsageException e) {
            System.err.println("vicreg " + cmd.name() + ": error: " + e.getMessage() + " (see 'vicreg " + cmd.name() + " --help')");
            return 2;
        } catch (Throwable e) { // Errors too: a StackOverflowError's trace is a thousand lines, not one
            System.err.println("vicreg " + cmd.name() + ": error: " + message(e));
            if (Boolean.getBoolean("jvicreg.debug")) e.printStackTrace();
            return 1;
        }
    }

    /** The one line for a failure: the exception's own message, or for an Error what it means to the user. */
    static String message(Throwable e) {
        if (e instanceof StackOverflowError) {
            return "input nested too deeply to process (the stack overflowed)";
        }
        if (e instanceof OutOfMemoryError oom) return outOfMemory(oom);
        if (e instanceof Error) return e.toString(); // the type says more than the bare message of an Error
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** What ran out, and for the Java heap how to raise it: bin/vicreg passes JVICREG_JAVA_OPTS to the JVM. */
    static String outOfMemory(OutOfMemoryError e) {
        String what = e.getMessage() != null ? e.getMessage() : "out of memory";
        if (!what.contains("Java heap space")) return what;
        long max = Runtime.getRuntime().maxMemory() >> 20;
        return "out of Java heap space (the heap's limit is " + max + " MiB): run with a larger one, e.g. "
                + "JVICREG_JAVA_OPTS=-Xmx" + Math.max(2, 2 * ((max + 1023) >> 10)) + "g, or a smaller --batch";
    }

    static String overview() {
        StringBuilder b = new StringBuilder("usage: vicreg COMMAND [options]   (vicreg COMMAND --help for its options)\n\ncommands:\n");
        for (Command c : COMMANDS) b.append(String.format("  %-12s %s%n", c.name(), c.summary()));
        return b.toString();
    }
}
