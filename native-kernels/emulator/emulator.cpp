// A CPU emulator of cuLaunchKernel for the jvicreg kernels, so the Java backend's launch code and the
// kernels themselves can be checked against the CPU backend on machines without a GPU.
//
// emu_launch(name, grid, block, args) takes what cuLaunchKernel takes: the kernel's name and an array
// of pointers, one to each argument's value. Blocks run one after another; a block's threads run as
// fibers (ucontext) on the calling thread, round-robin: each runs until it reaches __syncthreads or
// returns, and a round ends when every live thread waits at the barrier, which the next round
// releases. Device memory is host memory.
//
// build: g++ -std=c++20 -O2 -shared -fPIC -I../src -include host_cuda.h emulator.cpp -o libjvicreg_emu.so
#include <ucontext.h>

#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <utility>
#include <vector>

#include "elementwise.cu"
#include "reduce.cu"
#include "softmax.cu"
#include "pool.cu"
#include "batchnorm.cu"
#include "columns.cu"

dim3 threadIdx, blockIdx, blockDim, gridDim;

namespace {

using Thunk = void (*)(void** args);

struct Fiber {
    ucontext_t context;
    bool done;
    unsigned int x, y;
};

constexpr size_t STACK_BYTES = 64 * 1024;
ucontext_t scheduler;
std::vector<Fiber> fibers;
std::vector<std::vector<char>> stacks;
Fiber* current = nullptr;
Thunk kernel = nullptr;
void** kernelArgs = nullptr;

void fiber_main() {
    kernel(kernelArgs);
    current->done = true;  // returning resumes uc_link, the scheduler
}

void run_block(unsigned int bx, unsigned int by) {
    unsigned int threads = blockDim.x * blockDim.y;
    if (fibers.size() < threads) {
        fibers.resize(threads);
        stacks.resize(threads, std::vector<char>(STACK_BYTES));
    }
    for (unsigned int t = 0; t < threads; t++) {
        Fiber& f = fibers[t];
        getcontext(&f.context);
        f.context.uc_stack.ss_sp = stacks[t].data();
        f.context.uc_stack.ss_size = STACK_BYTES;
        f.context.uc_link = &scheduler;
        makecontext(&f.context, fiber_main, 0);
        f.done = false;
        f.x = t % blockDim.x;
        f.y = t / blockDim.x;
    }
    blockIdx.x = bx;
    blockIdx.y = by;
    for (bool live = true; live;) {
        live = false;
        for (unsigned int t = 0; t < threads; t++) {
            Fiber& f = fibers[t];
            if (f.done) continue;
            live = true;
            threadIdx.x = f.x;
            threadIdx.y = f.y;
            current = &f;
            swapcontext(&scheduler, &f.context);
        }
    }
}

// Calls kernel k with each parameter read from the pointer cuLaunchKernel would get for it.
template <class... P, size_t... I>
void invoke(void (*k)(P...), void** args, std::index_sequence<I...>) {
    k(*static_cast<std::remove_cv_t<std::remove_reference_t<P>>*>(args[I])...);
}

template <class... P>
void invoke(void (*k)(P...), void** args) {
    invoke(k, args, std::index_sequence_for<P...>{});
}

#define KERNEL(name) {#name, [](void** a) { invoke(name, a); }}

struct Entry {
    const char* name;
    Thunk thunk;
};

const Entry KERNELS[] = {
    KERNEL(unary_f32), KERNEL(binary_contiguous_f32), KERNEL(binary_strided_f32), KERNEL(where_strided_f32),
    KERNEL(copy_strided_f32), KERNEL(axpy_f32), KERNEL(sgd_step_f32), KERNEL(moving_average_f32),
    KERNEL(reduce_rows_f32), KERNEL(reduce_columns_f32), KERNEL(gather_axis_f32), KERNEL(scatter_axis_f32),
    KERNEL(softmax_f32), KERNEL(softmax_backward_f32),
    KERNEL(max_pool2d_forward_f32), KERNEL(max_pool2d_backward_f32), KERNEL(avg_pool2d_forward_f32),
    KERNEL(avg_pool2d_backward_f32), KERNEL(adaptive_avg_pool2d_forward_f32), KERNEL(adaptive_avg_pool2d_backward_f32),
    KERNEL(bn_partial_stats), KERNEL(bn_finish_stats), KERNEL(bn_apply), KERNEL(bn_eval), KERNEL(bn_backward_partial),
    KERNEL(bn_backward_finish), KERNEL(bn_backward_apply),
    KERNEL(column_std_hinge_f32),
};

}  // namespace

void __syncthreads() {
    swapcontext(&current->context, &scheduler);
}

// Runs kernel `name` over a grid of gx x gy blocks of bx x by threads. Returns 0, or -1 for an
// unknown kernel name, -2 for a block of more than 1024 threads.
extern "C" int emu_launch(const char* name, int gx, int gy, int bx, int by, void** args) {
    Thunk k = nullptr;
    for (const Entry& e : KERNELS) {
        if (std::strcmp(e.name, name) == 0) k = e.thunk;
    }
    if (k == nullptr) return -1;
    if (bx * by > 1024) return -2;
    gridDim.x = gx;
    gridDim.y = gy;
    blockDim.x = bx;
    blockDim.y = by;
    kernel = k;
    kernelArgs = args;
    for (int y = 0; y < gy; y++) {
        for (int x = 0; x < gx; x++) run_block(x, y);
    }
    return 0;
}

// The number of kernels the emulator knows, and the name of kernel i: for the Java side to check
// that it emulates every kernel it launches.
extern "C" int emu_kernel_count() {
    return sizeof KERNELS / sizeof KERNELS[0];
}

extern "C" const char* emu_kernel_name(int i) {
    return KERNELS[i].name;
}
