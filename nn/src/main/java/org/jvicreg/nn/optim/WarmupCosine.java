package org.jvicreg.nn.optim;

/**
 * The official VICReg learning-rate schedule (adjust_learning_rate in main_vicreg.py), per step:
 * linear warm-up from 0 to base over the warm-up steps, then cosine from base down to
 * finalFactor * base at the last step.
 */
public record WarmupCosine(double base, long warmupSteps, long totalSteps, double finalFactor) {

    public WarmupCosine {
        if (totalSteps <= 0 || warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("WarmupCosine: need 0 <= warmup (" + warmupSteps + ") <= total (" + totalSteps + ") and total > 0");
        }
    }

    /** The recipe's base learning rate: baseLr * batch / 256. */
    public static double scaledBase(double baseLr, int batch) {
        return baseLr * batch / 256.0;
    }

    public double at(long step) {
        if (step < warmupSteps) return base * step / warmupSteps;
        long s = step - warmupSteps, max = totalSteps - warmupSteps;
        double q = max == 0 ? 0 : 0.5 * (1 + Math.cos(Math.PI * s / max));
        double end = base * finalFactor;
        return base * q + end * (1 - q);
    }
}
