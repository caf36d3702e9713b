package org.jvicreg.vicreg.cli;

import org.jvicreg.engine.io.AtomicFile;
import org.jvicreg.engine.io.Json;
import org.jvicreg.vicreg.ablate.AblationGrid;
import org.jvicreg.vicreg.ablate.AblationTable;
import org.jvicreg.vicreg.train.RunDir;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code vicreg ablate}: one pretrain + linear + kNN probe per setting of a grid, and one table of them. */
public final class AblateCommand implements Command {
    /** A finished cell's row, in its run directory: the cell is not run again. */
    static final String CELL_FILE = "ablation-cell.json";
    /** Pretrain options the ablation sets itself. */
    private static final Set<String> OWN = Set.of("out", "resume");

    @Override
    public String name() {
        return "ablate";
    }

    @Override
    public String summary() {
        return "pre-train and probe every setting of a grid of pretrain options, and tabulate them";
    }

    @Override
    public Set<String> flags() {
        return Set.of("one-at-a-time");
    }

    @Override
    public Set<String> repeatable() {
        return Set.of("grid");
    }

    @Override
    public String help() {
        return """
                usage: vicreg ablate --out DIR --grid "OPTION=A|B" [--grid ...] [--one-at-a-time] [pretrain options]

                Runs `pretrain`, `linear-eval` and `knn` for every setting (cell) of a grid of pretrain options, each
                cell in its own run directory DIR/CELL, then writes DIR/ablation.md, DIR/ablation.json and
                DIR/ablation.html (the table and every cell's curves side by side). Resumable: a finished cell is not
                run again, an interrupted one continues with --resume; run the same command again.

                The last line on stdout is JSON: {"rows": [{<the grid's options>..., "linear_top1", "knn_top1",
                "mean_std", "rankme", "final_loss", "seconds"}, ...]} (seconds: pre-training and probes, wall clock).

                options:
                  --out DIR            where the cells' run directories and the tables go (required)
                  --grid "OPT=A|B|C"   a pretrain option (without --) and its alternatives, separated by '|' (so values
                                       may contain commas, e.g. "crop-scale=0.08,1|0.2,1"); repeatable. Any pretrain
                                       option may vary: coefficients (std, cov, sim), mlp, batch, loss, augmentations...
                  --one-at-a-time      the defaults, then each alternative alone on top of them (the paper's ablation
                                       tables); default: the cross product of all --grid options
                  any other option     passed to every cell's pretrain (e.g. --epochs 2 --limit 20000 --knn-every 1)

                example (the paper's ablation on Fashion-MNIST):
                  vicreg ablate --out runs/ablation --one-at-a-time --grid "std=0" --grid "cov=0" --grid "sim=0" \\
                      --grid "mlp=512-512-512|2048-2048-2048"
                """;
    }

    @Override
    public int run(Args a) throws Exception {
        Path out = a.requirePath("out");
        boolean oneAtATime = a.flag("one-at-a-time");
        List<String> specs = a.all("grid");
        if (specs.isEmpty()) throw new UsageException("at least one --grid \"OPTION=A|B\" is needed");
        AblationGrid grid;
        try {
            grid = AblationGrid.parse(specs);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Map<String, String> base = a.rest();
        for (String k : base.keySet()) {
            if (OWN.contains(k)) throw new UsageException("option --" + k + " is set by ablate for each cell");
        }
        for (AblationGrid.Axis axis : grid.axes()) {
            if (OWN.contains(axis.option())) throw new UsageException("--grid cannot vary --" + axis.option());
        }
        a.finish();
        List<AblationGrid.Cell> cells = oneAtATime ? grid.oneAtATime() : grid.crossProduct();
        // every cell's command line checked before the first hour of training
        for (AblationGrid.Cell cell : cells) {
            try {
                List<String> argv = pretrainArgs(out, base, cell, false);
                PretrainCommand.options(Args.parse(argv.subList(1, argv.size()).toArray(new String[0]), new PretrainCommand().flags()));
            } catch (UsageException e) {
                throw new UsageException("cell " + cell.name() + ": " + e.getMessage());
            }
        }
        OutputFiles.checkFolder("out", out, out);
        Files.createDirectories(out);
        List<String> options = grid.axes().stream().map(AblationGrid.Axis::option).toList();
        String mode = oneAtATime ? "one at a time" : "cross product";
        List<Map<String, Object>> rows = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < cells.size(); i++) {
            AblationGrid.Cell cell = cells.get(i);
            Path dir = out.resolve(cell.name());
            System.err.printf(Locale.ROOT, "ablate: cell %d of %d: %s%n", i + 1, cells.size(), cell.name());
            rows.add(runCell(out, base, cell, options, dir));
            dirs.add(dir);
            AblationTable.write(out, grid.toString(), mode, options, rows, dirs);
        }
        System.err.print(AblationTable.markdown(options, rows));
        Map<String, Object> last = new LinkedHashMap<>();
        last.put("rows", rows);
        System.out.println(Json.write(last));
        return 0;
    }

    /** The cell's row: read back when it finished before, else pre-trained (or resumed) and probed now. */
    private static Map<String, Object> runCell(Path out, Map<String, String> base, AblationGrid.Cell cell, List<String> options,
                                               Path dir) throws IOException {
        Path done = dir.resolve(CELL_FILE);
        if (Files.isRegularFile(done)) {
            if (Json.parse(Files.readString(done)) instanceof Map<?, ?> m) {
                System.err.println("ablate: " + cell.name() + " finished before; its row is read back");
                @SuppressWarnings("unchecked") Map<String, Object> row = (Map<String, Object>) m;
                return row;
            }
            throw new IOException(done + ": not a JSON object; delete it to run the cell again");
        }
        boolean resume = Files.isRegularFile(RunDir.config(dir));
        long t0 = System.nanoTime();
        step(cell, "pretrain", pretrainArgs(out, base, cell, resume));
        long t1 = System.nanoTime();
        step(cell, "linear-eval", List.of("linear-eval", "--run", dir.toString()));
        step(cell, "knn", List.of("knn", "--run", dir.toString()));
        double probeSeconds = (System.nanoTime() - t1) / 1e9;
        List<Map<String, Object>> metrics = RunDir.readRows(RunDir.metrics(dir));
        Map<String, Object> lastRow = metrics.isEmpty() ? Map.of() : metrics.get(metrics.size() - 1);
        Map<String, Object> probes = RunDir.readProbes(dir);
        Map<String, Object> row = new LinkedHashMap<>();
        for (String o : options) row.put(o, cell.options().getOrDefault(o, base.getOrDefault(o, "default")));
        row.put("linear_top1", probes.getOrDefault("linear_top1_holdout", probes.get("linear_top1")));
        row.put("knn_top1", probes.getOrDefault("knn_top1_holdout", probes.get("knn_top1")));
        row.put("mean_std", lastRow.get("mean_std"));
        row.put("rankme", lastRow.get("rankme"));
        row.put("final_loss", lastRow.get("loss"));
        // pre-training's own clock (which adds up the parts of a resumed run), then the probes'
        double training = lastRow.get("seconds") instanceof Number s ? s.doubleValue() : (t1 - t0) / 1e9;
        row.put("seconds", training + probeSeconds);
        AtomicFile.write(done, (Json.write(row) + "\n").getBytes(StandardCharsets.UTF_8));
        return row;
    }

    static List<String> pretrainArgs(Path out, Map<String, String> base, AblationGrid.Cell cell, boolean resume) {
        Map<String, String> all = new LinkedHashMap<>(base);
        all.putAll(cell.options());
        List<String> argv = new ArrayList<>(List.of("pretrain", "--out", out.resolve(cell.name()).toString()));
        for (var e : all.entrySet()) argv.add("--" + e.getKey() + "=" + e.getValue());
        if (resume) argv.add("--resume");
        return argv;
    }

    /** Runs one command of the cell in this process, its stdout sent to stderr (ours carries the table alone). */
    private static void step(AblationGrid.Cell cell, String what, List<String> argv) {
        PrintStream stdout = System.out;
        int code;
        System.setOut(System.err);
        try {
            code = Main.run(argv.toArray(new String[0]));
        } finally {
            System.setOut(stdout);
        }
        if (code != 0) {
            throw new IllegalStateException("cell " + cell.name() + ": " + what + " failed (exit code " + code
                    + ", its message is above); finished cells are kept: run the same command again to go on");
        }
    }
}
