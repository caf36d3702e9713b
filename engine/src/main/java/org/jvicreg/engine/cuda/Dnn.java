package org.jvicreg.engine.cuda;

import org.jvicreg.engine.backend.ConvGeometry;

/**
 * The cuDNN convolutions the backend runs (NCHW float32, cross-correlation, groups and dilation).
 * {@code tf32} lets tensor cores round inputs to TF32; {@code measure} chooses each shape's algorithm
 * by timing them all the first time it runs, instead of by cuDNN's heuristics.
 */
interface Dnn extends AutoCloseable {
    /** What this is, e.g. "cuDNN 90300 through FFM (.../libcudnn.so.9)". */
    String describe();

    void convForward(ConvGeometry g, long x, long w, long y, boolean tf32, boolean measure);

    void convBackwardData(ConvGeometry g, long dy, long w, long dx, boolean tf32, boolean measure);

    void convBackwardFilter(ConvGeometry g, long x, long dy, long dw, boolean tf32, boolean measure);

    @Override
    void close();
}
