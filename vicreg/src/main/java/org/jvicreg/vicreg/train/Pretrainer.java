package org.jvicreg.vicreg.train;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Memory;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.dist.Collective;
import org.jvicreg.engine.dist.SingleProcess;
import org.jvicreg.engine.io.AtomicFile;
import org.jvicreg.engine.ops.AllGather;
import org.jvicreg.nn.DataParallel;
import org.jvicreg.nn.Module;
import org.jvicreg.nn.StateDicts;
import org.jvicreg.nn.optim.Lars;
import org.jvicreg.nn.optim.WarmupCosine;
import org.jvicreg.vicreg.augment.AugmentConfig;
import org.jvicreg.vicreg.data.ImageDataset;
import org.jvicreg.vicreg.data.LoaderOptions;
import org.jvicreg.vicreg.data.TwoViewLoader;
import org.jvicreg.vicreg.data.ViewBatch;
import org.jvicreg.vicreg.loss.SslLoss;
import org.jvicreg.vicreg.loss.VicregLoss;
import org.jvicreg.vicreg.model.Byol;
import org.jvicreg.vicreg.model.ResNet;
import org.jvicreg.vicreg.model.Vicreg;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Pre-training with VICReg, Barlow Twins, SimCLR or BYOL ({@link PretrainMethod}): the official VICReg loop (LARS,
 * warm-up + cosine per step, two views) with a checkpoint after every epoch, exact --resume, per-step diagnostics in
 * metrics.jsonl, optionally kNN accuracy every few epochs in knn.jsonl ({@link #monitorKnn}), a collapse
 * warning and a hard stop on a non-finite loss.
 *
 * <p>Data-parallel ({@link #distributed}): every rank trains on its slice of each global batch
 * ({@link LoaderOptions#withShard}), {@link DataParallel} averages the gradients and synchronises the batch
 * norms, and the loss sees the embeddings of all ranks ({@link StepResult#of}), so the run is the same
 * function of the seed as on one process. Rank 0 alone writes files and runs the kNN monitor; the others
 * wait for it at a barrier whose limit is {@link #SOLO_TIMEOUT_FACTOR} times the collectives' timeout.
 */
public final class Pretrainer {
    /** The variance term's largest value, 1 - sqrt(1e-4): every dimension's std is 0. */
    static final double VARIANCE_MAX = 1 - Math.sqrt(VicregLoss.EPS);
    /** Logged points in a row with the variance term above 95% of its maximum before warning. */
    static final int COLLAPSE_PATIENCE = 5;
    /** How many collective timeouts the other ranks wait while rank 0 works alone (kNN, checkpoint, report). */
    public static final int SOLO_TIMEOUT_FACTOR = 10;

    /** The end state, printed as the command's last line. */
    public record Summary(int epochs, long steps, double loss, double invariance, double variance, double covariance,
                          double meanStd, double seconds) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epochs", (long) epochs);
            m.put("steps", steps);
            m.put("loss", loss);
            m.put("invariance", invariance);
            m.put("variance", variance);
            m.put("covariance", covariance);
            m.put("mean_std", meanStd);
            m.put("seconds", seconds);
            return m;
        }
    }

    /**
     * One step's losses: the objective being trained (recorded), its own terms, and the VICReg terms of
     * the same embeddings (the objective itself for VICReg; computed without gradients as diagnostics
     * for the other losses, so every run logs comparable invariance / variance / covariance).
     */
    record StepResult(Tensor loss, double objective, Map<String, Double> own, VicregLoss.Result vicreg, Tensor embeddings) {
        static StepResult of(SslLoss objective, Tensor x, Tensor y) {
            return of(objective, x, y, new SingleProcess());
        }

        /**
         * On rank r of {@code group}, x and y are this rank's rows; the loss sees the rows of all ranks as the
         * official code does (VICReg: invariance on this rank's rows, variance and covariance on all; the other
         * losses wholly on all), so that averaging the ranks' gradients gives the one-process gradient.
         * {@code embeddings} is x of all ranks.
         */
        static StepResult of(SslLoss objective, Tensor x, Tensor y, Collective group) {
            Tensor[] all = AllGather.rows(group, x, y);
            Tensor xAll = all[0], yAll = all[1];
            if (objective instanceof VicregLoss v) {
                VicregLoss.Result r = v.compute(x, y, xAll, yAll);
                return new StepResult(r.loss(), r.total(), Map.of(), r, xAll);
            }
            SslLoss.Terms t = objective.evaluate(xAll, yAll);
            return new StepResult(t.loss(), t.loss().item(), t.values(), diagnostics(xAll, yAll), xAll);
        }

        /** The official VICReg terms of two embeddings (of all ranks), without gradients: the diagnostics of every loss. */
        static VicregLoss.Result diagnostics(Tensor xAll, Tensor yAll) {
            try (var g = org.jvicreg.engine.Grad.off()) {
                return VicregLoss.official().compute(xAll.detach(), yAll.detach());
            }
        }

        /**
         * The objective and the invariance averaged over the ranks (each rank's VICReg invariance is over its own
         * rows; every other value is the same on all ranks): what one process would log.
         */
        StepResult averaged(Collective group) {
            if (group.size() == 1) return this;
            Tensor both = Tensor.of(new float[] {(float) objective, (float) vicreg.invariance()});
            group.allReduceSum(both);
            float[] sums = both.toArray();
            VicregLoss.Result r = vicreg;
            VicregLoss.Result avg = new VicregLoss.Result(r.loss(), sums[1] / group.size(), r.variance(), r.covariance(),
                    r.stdX(), r.stdY(), r.termGradients());
            return new StepResult(loss, sums[0] / group.size(), own, avg, embeddings);
        }
    }

    /** A non-finite loss: names the step and the term. */
    public static final class DivergedException extends RuntimeException {
        DivergedException(String message) {
            super(message);
        }
    }

    private final PretrainConfig config;
    private final ImageDataset data;
    private final AugmentConfig augment;
    private final Path runDir;
    private final Device device;
    private final PrintStream console;
    private KnnMonitor knn;
    private Collective group = new SingleProcess();
    private long bucketBytes = DataParallel.DEFAULT_BUCKET_BYTES;
    private SpectrumMonitor spectra;

    /** {@code augment} is what config.json records (a config may record it already: then it must be the same). */
    public Pretrainer(PretrainConfig config, ImageDataset data, AugmentConfig augment, Path runDir, Device device, PrintStream console) {
        if (config.augment() != null && !config.augment().equals(augment)) {
            throw new IllegalArgumentException("the augmentation differs from the one the run's config records");
        }
        this.config = config.withAugment(augment);
        this.data = data;
        this.augment = augment;
        this.runDir = runDir;
        this.device = device;
        this.console = console;
    }

    /**
     * Evaluates kNN accuracy with {@code monitor} before training and whenever it is due (after the epoch,
     * before its checkpoint, so that a resumed run's knn.jsonl is the uninterrupted run's); null turns it
     * off. Returns this.
     */
    public Pretrainer monitorKnn(KnnMonitor monitor) {
        this.knn = monitor;
        return this;
    }

    /**
     * Trains data-parallel over {@code group}'s ranks (each rank runs this trainer with the same config), with
     * gradients all-reduced in buckets of {@code bucketBytes}; returns this.
     */
    public Pretrainer distributed(Collective group, long bucketBytes) {
        this.group = group;
        this.bucketBytes = bucketBytes;
        return this;
    }

    /**
     * Stores the eigenvalue spectra of the embeddings and representations with {@code monitor} before training
     * and after every epoch (before its checkpoint) in spectra.jsonl; null turns it off. Returns this.
     */
    public Pretrainer monitorSpectra(SpectrumMonitor monitor) {
        this.spectra = monitor;
        return this;
    }

    /**
     * The network a config describes (what checkpoints hold under "model."), initialised from the config's seed:
     * backbone and expander ({@link Vicreg}), for BYOL with the predictor and beside them the target ({@link Byol}).
     */
    public static Module model(PretrainConfig c, int inChannels) {
        ResNet.Config backbone = new ResNet.Config(c.arch(), inChannels, c.width(), c.smallStem(), true);
        return c.byol() ? new Byol(backbone, c.mlp(), c.predictorHidden(), new Rng(c.seed()))
                : new Vicreg(backbone, c.mlp(), new Rng(c.seed()));
    }

    /** Trains from scratch (resume = false) or from RUN_DIR's checkpoint, to the configured number of epochs. */
    public Summary run(boolean resume) throws IOException {
        return run(resume, config.epochs());
    }

    /**
     * As {@link #run(boolean)}, but returns after {@code stopAfter} completed epochs (counted from the start
     * of the run), leaving RUN_DIR exactly as an interruption after that epoch would.
     */
    public Summary run(boolean resume, int stopAfter) throws IOException {
        LoaderOptions opts = LoaderOptions.training(config.batch(), config.workers(), config.seed());
        if (group.size() > 1) {
            if (config.batch() % group.size() != 0) {
                throw new IllegalArgumentException("the global batch of " + config.batch() + " does not split evenly over "
                        + group.size() + " ranks; choose a --batch divisible by " + group.size());
            }
            opts = opts.withShard(group.rank(), group.size());
        }
        int perEpoch = opts.batchesPerEpoch(data.size());
        if (perEpoch == 0) { // before anything is written: a failed start leaves no run behind
            throw new IllegalArgumentException("the dataset has " + data.size() + " images, fewer than one batch of " + config.batch());
        }
        if (!group.isRoot()) return run(resume, stopAfter, opts, perEpoch); // rank 0 owns the run directory
        boolean createdDir = !Files.exists(runDir);
        Files.createDirectories(runDir);
        AtomicFile.removeStale(runDir); // what writes killed mid-way left
        boolean fresh = !(resume && Checkpoint.exists(runDir));
        try {
            return run(resume, stopAfter, opts, perEpoch);
        } catch (IOException | RuntimeException | Error e) {
            if (fresh && !Checkpoint.exists(runDir)) removeUnstartedRun(createdDir);
            throw e;
        }
    }

    /**
     * After a failure before the first checkpoint: deletes what this run wrote (and the folder when this
     * run made it), so the same command can be run again without --resume.
     */
    private void removeUnstartedRun(boolean createdDir) {
        try {
            for (Path f : new Path[] {RunDir.config(runDir), RunDir.metrics(runDir), RunDir.knn(runDir), RunDir.spectra(runDir),
                RunDir.report(runDir)}) {
                Files.deleteIfExists(f);
            }
            if (createdDir) {
                try (var left = Files.list(runDir)) {
                    if (left.findAny().isEmpty()) Files.delete(runDir);
                }
            }
        } catch (IOException e) {
            console.println("warning: could not remove the unfinished run's files from " + runDir + ": " + e.getMessage());
        }
    }

    private Summary run(boolean resume, int stopAfter, LoaderOptions opts, int perEpoch) throws IOException {
        Module model = model(config, data.channels());
        model.to(device);
        model.train(true);
        PretrainMethod method = PretrainMethod.of(config, model, (long) perEpoch * config.epochs());
        Lars opt = new Lars(model.parameters(), 0, config.weightDecay(), 0.9, 0.001);
        Checkpoint progress = new Checkpoint(0, 0, 0);
        boolean root = group.isRoot();
        MetricsLog metrics = root ? new MetricsLog(RunDir.metrics(runDir)) : MetricsLog.inMemory();
        MetricsLog knnLog = root ? new MetricsLog(RunDir.knn(runDir)) : MetricsLog.inMemory();
        boolean knnFile = knn != null || Files.exists(RunDir.knn(runDir));
        String runId;
        if (resume && Checkpoint.exists(runDir)) {
            progress = Checkpoint.loadForRun(runDir, model, method.companions(), opt, config.epochs(), perEpoch);
            runId = RunDir.runId(runDir);
            metrics.resumeAt(progress.steps());
            if (knnFile) knnLog.resumeAt(progress.steps());
            if (spectra != null) spectra.resumeAt(runDir, progress.steps());
            console.printf(Locale.ROOT, "resuming %s after epoch %d (step %d)%n", runDir, progress.epochsDone(), progress.steps());
        } else {
            if (resume) console.println("no checkpoint in " + runDir + " yet: starting from the beginning");
            runId = resume && Files.isRegularFile(RunDir.config(runDir)) ? RunDir.runId(runDir) : null;
            if (runId == null) runId = RunDir.newRunId();
            if (root) RunDir.writeConfig(runDir, config, runId);
            metrics.resumeAt(-1);
            if (knnFile) knnLog.resumeAt(-1);
            if (spectra != null) spectra.resumeAt(runDir, -1);
        }
        DataParallel ddp = null;
        if (group.size() > 1) {
            ddp = new DataParallel(model, group, bucketBytes);
            method.distribute(group);
        }
        try (TwoViewLoader loader = new TwoViewLoader(data, augment, opts); metrics; knnLog) {
            long total = (long) perEpoch * config.epochs();
            WarmupCosine schedule = new WarmupCosine(config.peakLr(), Math.round(config.warmupFraction() * total), total, 0.001);
            console.printf(Locale.ROOT, "pre-training %s width %d on %s: %d epochs x %d steps of %d, peak lr %.4g, device %s%n",
                    config.arch(), config.width(), data.description(), config.epochs(), perEpoch, config.batch(), config.peakLr(), device);
            metrics.start();
            if (knn != null) knnLog.start();
            return loop(method, opt, ddp, loader, schedule, metrics, knnLog, progress, perEpoch, Math.min(stopAfter, config.epochs()), runId);
        }
    }

    private Summary loop(PretrainMethod method, Lars opt, DataParallel ddp, TwoViewLoader loader, WarmupCosine schedule,
                         MetricsLog metrics, MetricsLog knnLog, Checkpoint progress, int perEpoch, int stopAfter,
                         String runId) throws IOException {
        ProgressBar bar = new ProgressBar(console);
        long step = progress.steps();
        double secondsBefore = progress.seconds();
        long start = System.nanoTime();
        long windowStart = start, windowImages = 0;
        int highVariance = 0;
        boolean warned = false;
        StepResult last = null;
        EmbeddingStats lastStats = null;
        VicregLoss.TermGradients lastGradients = null;
        if (step == 0 && (knn != null || spectra != null)) { // the untrained network, for scale
            windowStart += solo(() -> {
                if (knn != null) watchKnn(method.encoder().backbone(), 0, 0, knnLog, bar);
                if (spectra != null) spectra.record(runDir, method.encoder(), device, 0, 0);
                return 0L;
            });
        }
        for (int epoch = progress.epochsDone(); epoch < stopAfter; epoch++) {
            try (TwoViewLoader.Epoch batches = loader.epoch(epoch)) {
                int inEpoch = 0;
                while (batches.hasNext()) {
                    ViewBatch b = batches.next();
                    double lr = schedule.at(step);
                    opt.setLr(lr);
                    boolean log = (step + 1) % config.logEvery() == 0 || (inEpoch + 1 == perEpoch && epoch + 1 == config.epochs());
                    try (var scope = Memory.scope()) {
                        Tensor x1 = Tensor.of(b.view1(), b.shape()).to(device), x2 = Tensor.of(b.view2(), b.shape()).to(device);
                        last = method.step(x1, x2, step, group);
                        checkFinite(last, step + 1);
                        opt.zeroGrad();
                        last.loss().backward();
                        if (ddp != null) ddp.synchronizeGradients();
                        opt.step();
                        method.afterOptimizerStep(step);
                        if (log) {
                            last = last.averaged(group);
                            if (group.isRoot()) {
                                lastStats = EmbeddingStats.of(last.embeddings().detach());
                                lastGradients = last.vicreg().gradientNorms();
                            }
                        }
                    }
                    step++;
                    inEpoch++;
                    windowImages += (long) b.size() * group.size();
                    if (log && group.isRoot()) {
                        long now = System.nanoTime();
                        double ips = windowImages / ((now - windowStart) / 1e9);
                        windowStart = now;
                        windowImages = 0;
                        metrics.append(row(step, epoch, lr, last, lastStats, lastGradients, ips, secondsBefore + (now - start) / 1e9));
                        if (step > schedule.warmupSteps() && last.vicreg().variance() > 0.95 * VARIANCE_MAX) highVariance++;
                        else highVariance = 0;
                        if (highVariance >= COLLAPSE_PATIENCE && !warned) {
                            warned = true;
                            bar.message(String.format(Locale.ROOT, "warning: the embeddings look collapsed: the variance term has stayed at %.3f "
                                    + "(max %.2f) for %d logged steps; per-dimension std %.4f (mean). Check --std, the learning rate and the augmentations.",
                                    last.vicreg().variance(), VARIANCE_MAX, highVariance, lastStats.meanStd()));
                        }
                    }
                    bar.update(epoch + 1, config.epochs(), inEpoch, perEpoch, String.format(Locale.ROOT,
                            "loss %.3f (inv %.4f var %.4f cov %.4f) lr %.4f | %s",
                            last.objective(), last.vicreg().invariance(), last.vicreg().variance(), last.vicreg().covariance(), lr,
                            rate(inEpoch, start, step - progress.steps(), config.batch())));
                }
            }
            int done = epoch + 1;
            long steps = step;
            windowStart += solo(() -> { // the next logged throughput is the training's alone
                if (knn != null && knn.due(done, config.epochs())) watchKnn(method.encoder().backbone(), steps, done, knnLog, bar);
                if (spectra != null) spectra.record(runDir, method.encoder(), device, steps, done);
                double seconds = secondsBefore + (System.nanoTime() - start) / 1e9;
                Checkpoint.save(runDir, method.network(), method.companions(), opt, new Checkpoint(done, steps, seconds), runId);
                StateDicts.save(method.encoder().backbone(), RunDir.backbone(runDir));
                Report.write(runDir, config, metrics.rows(), knnLog.rows(), RunDir.readProbes(runDir));
                return 0L;
            });
        }
        double seconds = secondsBefore + (System.nanoTime() - start) / 1e9;
        if (last == null) {
            // already complete: report the checkpoint's state from the log
            return summaryFromLog(metrics, step, seconds);
        }
        return new Summary(stopAfter, step, last.objective(), last.vicreg().invariance(), last.vicreg().variance(),
                last.vicreg().covariance(),
                lastStats == null ? Double.NaN : lastStats.meanStd(), seconds);
    }

    /** Work rank 0 does alone (files, the kNN monitor) while the other ranks wait. */
    private interface SoloWork {
        long run() throws IOException;
    }

    /**
     * Runs {@code work} on rank 0, the others waiting for it at a barrier (up to {@link #SOLO_TIMEOUT_FACTOR}
     * collective timeouts); returns the nanoseconds it took, to leave out of the training throughput.
     */
    private long solo(SoloWork work) throws IOException {
        long t0 = System.nanoTime();
        if (group.isRoot()) work.run();
        if (group.size() > 1) group.barrier(group.timeout().multipliedBy(SOLO_TIMEOUT_FACTOR));
        return System.nanoTime() - t0;
    }

    private Summary summaryFromLog(MetricsLog metrics, long step, double seconds) {
        if (metrics.rows().isEmpty()) return new Summary(config.epochs(), step, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, seconds);
        Map<String, Object> r = metrics.rows().get(metrics.rows().size() - 1);
        return new Summary(config.epochs(), step, d(r, "loss"), d(r, "invariance"), d(r, "variance"), d(r, "covariance"), d(r, "mean_std"),
                r.get("seconds") instanceof Number n ? n.doubleValue() : seconds);
    }

    private static double d(Map<String, Object> r, String k) {
        return r.get(k) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static String rate(int inEpoch, long start, long stepsThisRun, int batch) {
        double secs = (System.nanoTime() - start) / 1e9;
        return String.format(Locale.ROOT, "%.0f img/s", stepsThisRun * batch / Math.max(1e-9, secs));
    }

    private static void checkFinite(StepResult s, long step) {
        VicregLoss.Result r = s.vicreg();
        String bad = !Double.isFinite(r.invariance()) ? "invariance" : !Double.isFinite(r.variance()) ? "variance"
                : !Double.isFinite(r.covariance()) ? "covariance" : null;
        for (var e : s.own().entrySet()) if (bad == null && !Double.isFinite(e.getValue())) bad = e.getKey();
        if (bad == null && !Double.isFinite(s.objective())) bad = "total";
        if (bad != null) {
            throw new DivergedException(String.format(Locale.ROOT,
                    "the loss became non-finite at step %d: %s term = %s (invariance %s, variance %s, covariance %s); "
                            + "the checkpoint of the last completed epoch is intact; try a lower --base-lr",
                    step, bad, value(s, bad), r.invariance(), r.variance(), r.covariance()));
        }
    }

    private static double value(StepResult s, String term) {
        return switch (term) {
            case "invariance" -> s.vicreg().invariance();
            case "variance" -> s.vicreg().variance();
            case "covariance" -> s.vicreg().covariance();
            case "total" -> s.objective();
            default -> s.own().get(term);
        };
    }

    /** Evaluates the kNN monitor after {@code epochsDone} epochs, logs and prints it; returns the nanoseconds it took. */
    private long watchKnn(ResNet backbone, long step, int epochsDone, MetricsLog knnLog, ProgressBar bar) throws IOException {
        long t0 = System.nanoTime();
        double top1 = knn.accuracy(backbone, device);
        long spent = System.nanoTime() - t0;
        knnLog.append(knnRow(step, epochsDone, top1, spent / 1e9));
        bar.message(String.format(Locale.ROOT, "%s: kNN top-1 %.2f%% (%d %s images against %d training images, %.1f s)",
                epochsDone == 0 ? "before training" : "after epoch " + epochsDone, 100 * top1, knn.queries().size(),
                config.holdout() > 0 ? "held-out" : "test",
                knn.bank().size(), spent / 1e9));
        return spent;
    }

    private Map<String, Object> knnRow(long step, int epochs, double top1, double seconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", step);
        m.put("epochs", (long) epochs);
        m.put("knn_top1", top1);
        m.put("bank", (long) knn.bank().size());
        m.put("queries", (long) knn.queries().size());
        m.put("seconds", seconds);
        return m;
    }

    private static Map<String, Object> row(long step, int epoch, double lr, StepResult t, EmbeddingStats s,
                                           VicregLoss.TermGradients grads, double ips, double seconds) {
        VicregLoss.Result r = t.vicreg();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", step);
        m.put("epoch", (long) epoch);
        m.put("loss", t.objective());
        m.putAll(t.own());
        m.put("invariance", r.invariance());
        m.put("variance", r.variance());
        m.put("covariance", r.covariance());
        m.put("grad_invariance", grads.invariance());
        m.put("grad_variance", grads.variance());
        m.put("grad_covariance", grads.covariance());
        m.put("lr", lr);
        m.put("mean_std", s.meanStd());
        m.put("min_std", s.minStd());
        m.put("mean_abs_corr", s.meanAbsCorrelation());
        m.put("rankme", s.rankMe());
        m.put("images_per_s", ips);
        m.put("seconds", seconds);
        return m;
    }
}
