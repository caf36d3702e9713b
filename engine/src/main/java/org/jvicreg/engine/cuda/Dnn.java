package org.jvicreg.engine.cuda;

import org.jvicreg.engine.backend.ConvGeometry;

/** The cuDNN convolutions the backend runs (NCHW float32, cross-correlation, groups and dilation). */
interface Dnn extends AutoCloseable {
    /** What this is, e.g. "cuDNN 90300 through FFM (.../libcudnn.so.9)". */
    String describe();

    void convForward(ConvGeometry g, long x, long w, long y, boolean tf32);

    void convBackwardData(ConvGeometry g, long dy, long w, long dx, boolean tf32);

    void convBackwardFilter(ConvGeometry g, long x, long dy, long dw, boolean tf32);

    @Override
    void close();
}
