package org.jvicreg.vicreg.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When the demo installs Fashion-MNIST and with which commands, against fake commands: nothing here runs
 * apt-get or sudo.
 */
class FashionMnistInstallerTest {
    private static final String VERSION = "apt-get --version";
    private static final String SUDO = "sudo -n true";
    private static final String INSTALL = "env DEBIAN_FRONTEND=noninteractive apt-get install -y dataset-fashion-mnist";
    private static final String UPDATE = "env DEBIAN_FRONTEND=noninteractive apt-get update";

    /** Answers each command with the next of its exit statuses (0 for one it does not name) and logs it. */
    private static final class FakeCommands implements FashionMnistInstaller.Commands {
        final Map<String, List<Integer>> statuses;
        final List<String> ran = new ArrayList<>();
        final List<String> shown = new ArrayList<>();

        FakeCommands(Map<String, List<Integer>> statuses) {
            this.statuses = statuses;
        }

        @Override
        public int run(List<String> command, boolean showOutput) {
            String line = String.join(" ", command);
            ran.add(line);
            if (showOutput) shown.add(line);
            List<Integer> s = statuses.getOrDefault(line, List.of(0));
            int seen = (int) ran.stream().filter(line::equals).count();
            return s.get(Math.min(seen, s.size()) - 1);
        }
    }

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    private String log() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void asRootItInstallsWithApt() throws Exception {
        var fake = new FakeCommands(Map.of());
        assertTrue(new FashionMnistInstaller(true, fake, log).install());
        assertEquals(List.of(VERSION, INSTALL), fake.ran, "root needs no sudo, and lists present need no update");
        assertEquals(List.of(INSTALL), fake.shown, "apt's output is shown; the probes' is not");
        assertEquals("vicreg demo: Fashion-MNIST is not installed at /usr/share/datasets/fashion-mnist; installing it: "
                + "apt-get install -y dataset-fashion-mnist\n", log(), "one line before apt's output");
    }

    @Test
    void withPasswordLessSudoItInstallsThroughSudo() throws Exception {
        var fake = new FakeCommands(Map.of());
        assertTrue(new FashionMnistInstaller(false, fake, log).install());
        assertEquals(List.of(VERSION, SUDO, "sudo -n " + INSTALL), fake.ran);
        assertTrue(log().contains("installing it: sudo apt-get install -y dataset-fashion-mnist\n"), log());
    }

    @Test
    void withoutRootOrPasswordLessSudoItInstallsNothing() throws Exception {
        var fake = new FakeCommands(Map.of(SUDO, List.of(1)));
        assertFalse(new FashionMnistInstaller(false, fake, log).install());
        assertEquals(List.of(VERSION, SUDO), fake.ran);
        assertEquals("", log(), "nothing said: the demo's error says how to install it");
    }

    @Test
    void withoutAptGetItInstallsNothing() throws Exception {
        var fake = new FakeCommands(Map.of(VERSION, List.of(127)));
        assertFalse(new FashionMnistInstaller(true, fake, log).install());
        assertEquals(List.of(VERSION), fake.ran);
        assertEquals("", log());
    }

    @Test
    void aFailedInstallUpdatesThePackageListsAndTriesOnceMore() throws Exception {
        var fake = new FakeCommands(Map.of(INSTALL, List.of(100, 0)));
        assertTrue(new FashionMnistInstaller(true, fake, log).install());
        assertEquals(List.of(VERSION, INSTALL, UPDATE, INSTALL), fake.ran);
        assertEquals(List.of(INSTALL, UPDATE, INSTALL), fake.shown);
        assertEquals(2, log().lines().count(), log());
    }

    @Test
    void anInstallThatFailsAfterTheUpdateOrAFailedUpdateIsAFailure() throws Exception {
        var twice = new FakeCommands(Map.of(INSTALL, List.of(100, 100)));
        assertFalse(new FashionMnistInstaller(true, twice, log).install());
        assertEquals(List.of(VERSION, INSTALL, UPDATE, INSTALL), twice.ran);

        var noUpdate = new FakeCommands(Map.of(INSTALL, List.of(100), UPDATE, List.of(100)));
        assertFalse(new FashionMnistInstaller(true, noUpdate, log).install());
        assertEquals(List.of(VERSION, INSTALL, UPDATE), noUpdate.ran, "no second install without fresh lists");
    }

    @Test
    void realProcessesShowTheirOutputOnTheLogAndACommandNotFoundIs127() throws Exception {
        var processes = FashionMnistInstaller.processes(log);
        assertEquals(3, processes.run(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), true));
        assertEquals("out\nerr\n", log());
        assertEquals(0, processes.run(List.of("sh", "-c", "echo hidden"), false));
        assertEquals("out\nerr\n", log(), "output not shown is dropped");
        assertEquals(127, processes.run(List.of("jvicreg-no-such-command"), false));
    }
}
