package org.jvicreg.vicreg.ablate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The settings an ablation runs: each {@code --grid "KEY=A|B|C"} names a pretrain option and its
 * alternatives (separated by {@code |}, so a value may hold commas, e.g. a crop-scale range). Either the
 * cross product of all of them, or, one at a time, the defaults and then each alternative alone on top of
 * them, as the rows of the VICReg paper's ablation tables.
 */
public final class AblationGrid {
    /** One option and its alternatives, in the order given. */
    public record Axis(String option, List<String> values) {}

    /** One setting: the options it sets (in grid order; empty for the defaults) and its folder name. */
    public record Cell(Map<String, String> options) {
        /** A file-name-safe name: "defaults", or "std=0_cov=1" with anything unsafe replaced by '-'. */
        public String name() {
            if (options.isEmpty()) return "defaults";
            StringBuilder b = new StringBuilder();
            for (var e : options.entrySet()) {
                if (b.length() > 0) b.append('_');
                b.append(e.getKey()).append('=').append(e.getValue());
            }
            String safe = b.toString().replaceAll("[^A-Za-z0-9.=+-]", "-");
            return safe.length() <= 120 ? safe : safe.substring(0, 100) + "-" + Integer.toHexString(b.toString().hashCode());
        }
    }

    private final List<Axis> axes;

    private AblationGrid(List<Axis> axes) {
        this.axes = List.copyOf(axes);
    }

    /** Parses the {@code --grid} values; a malformed one throws IllegalArgumentException saying which and why. */
    public static AblationGrid parse(List<String> specs) {
        List<Axis> axes = new ArrayList<>();
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            String option = eq < 0 ? "" : spec.substring(0, eq).trim();
            if (option.startsWith("--")) option = option.substring(2);
            if (eq <= 0 || option.isEmpty() || !option.matches("[a-z0-9][a-z0-9-]*")) {
                throw new IllegalArgumentException("--grid '" + spec + "': expected OPTION=VALUE|VALUE..., e.g. \"std=0|25\"");
            }
            List<String> values = new ArrayList<>();
            for (String v : spec.substring(eq + 1).split("\\|", -1)) {
                if (v.isBlank()) throw new IllegalArgumentException("--grid '" + spec + "': an empty alternative");
                values.add(v.trim());
            }
            for (Axis a : axes) {
                if (a.option().equals(option)) throw new IllegalArgumentException("--grid: option '" + option + "' given twice");
            }
            axes.add(new Axis(option, values));
        }
        return new AblationGrid(axes);
    }

    public List<Axis> axes() {
        return axes;
    }

    /** Every combination of the alternatives (one cell of defaults when there is no axis). */
    public List<Cell> crossProduct() {
        List<Map<String, String>> cells = new ArrayList<>();
        cells.add(new LinkedHashMap<>());
        for (Axis a : axes) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> c : cells) {
                for (String v : a.values()) {
                    Map<String, String> m = new LinkedHashMap<>(c);
                    m.put(a.option(), v);
                    next.add(m);
                }
            }
            cells = next;
        }
        return cells.stream().map(Cell::new).toList();
    }

    /** The defaults, then each alternative alone. */
    public List<Cell> oneAtATime() {
        List<Cell> cells = new ArrayList<>();
        cells.add(new Cell(Map.of()));
        for (Axis a : axes) for (String v : a.values()) cells.add(new Cell(Map.of(a.option(), v)));
        return cells;
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (Axis a : axes) parts.add(a.option() + "=" + String.join("|", a.values()));
        return String.join(" ", parts).toLowerCase(Locale.ROOT);
    }
}
