package org.jvicreg.engine.cuda;

/** A failed call into the CUDA driver, cuBLAS or cuDNN, named with the library's own error name. */
public final class CudaError extends RuntimeException {
    private final int code;

    public CudaError(String call, int code, String name) {
        super(call + " failed: " + name + " (" + code + ")");
        this.code = code;
    }

    public CudaError(String message) {
        super(message);
        this.code = -1;
    }

    /** The library's status code, or -1 when the error did not come from a status code. */
    public int code() {
        return code;
    }
}
