package org.jvicreg.engine.cuda;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parameter lists of the {@code .entry} functions of a PTX module: {@code .param .u64 name} reads
 * as "u64", {@code .param .align 8 .b8 name[64]} as "b8[64]". Used to check {@link Kernel}'s table
 * against what nvcc compiled.
 */
final class PtxSignatures {
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+([A-Za-z_][A-Za-z0-9_$]*)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile(
            "\\.param\\s+(?:\\.align\\s+\\d+\\s+)?\\.(\\w+)\\s+[A-Za-z_][A-Za-z0-9_$]*(\\[\\d+\\])?");

    private PtxSignatures() {}

    /** Entry name to its parameter types, in file order. */
    static Map<String, List<String>> parse(String ptx) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Matcher e = ENTRY.matcher(ptx);
        while (e.find()) {
            List<String> params = new ArrayList<>();
            Matcher p = PARAM.matcher(e.group(2));
            while (p.find()) params.add(p.group(1) + (p.group(2) == null ? "" : p.group(2)));
            out.put(e.group(1), params);
        }
        return out;
    }

    /**
     * Problems between the kernels {@link Kernel} declares for {@code module} and the module's PTX:
     * missing entries, parameter mismatches, and entries no kernel declares. Empty when they agree.
     */
    static List<String> mismatches(String module, String ptx) {
        Map<String, List<String>> entries = parse(ptx);
        List<String> problems = new ArrayList<>();
        for (Kernel k : Kernel.values()) {
            if (!k.module.equals(module)) continue;
            List<String> found = entries.remove(k.symbol);
            List<String> want = k.params.stream().map(p -> p.ptxType).toList();
            if (found == null) problems.add(module + ": no kernel " + k.symbol + " in the PTX");
            else if (!found.equals(want)) problems.add(module + ": " + k.symbol + " takes " + found + " in the PTX, " + want + " in Kernel");
        }
        for (String extra : entries.keySet()) problems.add(module + ": PTX kernel " + extra + " is not in Kernel");
        return problems;
    }
}
