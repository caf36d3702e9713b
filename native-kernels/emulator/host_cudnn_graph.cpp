// cuDNN's graph (backend) API as the backend's FFM binding (CudnnGraphConvolutions) uses it, on host memory:
// descriptors that hold typed attributes and check them (each attribute name belongs to one descriptor type
// and takes one attribute type; a finalized descriptor takes no more), convolution operations whose tensors
// must be packed NCHW float32 of consistent shapes, heuristics that offer engine configurations, execution
// plans, and variant packs whose pointers must honour the tensors' byte alignment. Executing a plan runs the
// legacy host convolution (host_cudnn.cpp, same library) on the pointers.
//
// The engines the heuristics offer, best first, each there to exercise one rule of the binding's filter:
//   7 tensor cores (TF32: usable only with TF32 on)    5 compiles at run time     4 converts inputs down
//   3 its plan fails to finalize                        2 needs an impossible workspace
//   1 needs 4 KiB of workspace and takes 2 ms longer (what TF32-off runs; a measured choice takes 0)
//   0 needs none
// Mode FALLBACK offers engine 0. For dilated convolutions mode A offers only 7 and 5 and FALLBACK only 3,
// so with TF32 off no plan can be built and the binding must run the legacy API instead. Executed plans
// are counted and their engine kept (emu_cudnn_graph_executes, emu_cudnn_graph_last_engine) so tests can
// see which path, and which engine, ran.
//
// Constants are cudnn_graph.h's (cuDNN 9). build: with host_cudnn.cpp into libcudnn.so.99.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <chrono>
#include <map>
#include <thread>
#include <vector>

extern "C" {
// the legacy functions of host_cudnn.cpp, their descriptor pointers opaque here
int cudnnCreateTensorDescriptor(void** d);
int cudnnSetTensor4dDescriptor(void* d, int format, int dataType, int n, int c, int h, int w);
int cudnnDestroyTensorDescriptor(void* d);
int cudnnCreateFilterDescriptor(void** d);
int cudnnSetFilter4dDescriptor(void* d, int dataType, int format, int k, int c, int h, int w);
int cudnnDestroyFilterDescriptor(void* d);
int cudnnCreateConvolutionDescriptor(void** d);
int cudnnSetConvolution2dDescriptor(void* d, int padH, int padW, int u, int v, int dilH, int dilW, int mode, int dataType);
int cudnnDestroyConvolutionDescriptor(void* d);
int cudnnConvolutionForward(void*, const float* alpha, const void* xd, const float* x, const void* wd, const float* w,
                            const void* c, int algo, void* ws, size_t wsBytes, const float* beta, const void* yd, float* y);
int cudnnConvolutionBackwardData(void*, const float* alpha, const void* wd, const float* w, const void* dyd,
                                 const float* dy, const void* c, int algo, void* ws, size_t wsBytes, const float* beta,
                                 const void* dxd, float* dx);
int cudnnConvolutionBackwardFilter(void*, const float* alpha, const void* xd, const float* x, const void* dyd,
                                   const float* dy, const void* c, int algo, void* ws, size_t wsBytes, const float* beta,
                                   const void* dwd, float* dw);
}

namespace {
constexpr int SUCCESS = 0, BAD_PARAM = 3, NOT_SUPPORTED = 9;
constexpr int DATA_FLOAT = 0, NCHW = 0, CROSS_CORRELATION = 1;
// cudnnBackendDescriptorType_t
constexpr int CONVOLUTION = 1, ENGINE = 2, ENGINECFG = 3, ENGINEHEUR = 4, EXECUTION_PLAN = 5, OP_FORWARD = 10,
              OP_BACKWARD_FILTER = 11, OP_BACKWARD_DATA = 12, OPERATIONGRAPH = 15, VARIANT_PACK = 16, TENSOR = 17;
// cudnnBackendAttributeType_t
constexpr int T_HANDLE = 0, T_DATA_TYPE = 1, T_INT64 = 3, T_FLOAT = 4, T_VOID_PTR = 6, T_CONVOLUTION_MODE = 7,
              T_HEUR_MODE = 8, T_NUMERICAL_NOTE = 11, T_DESCRIPTOR = 15, T_BEHAVIOR_NOTE = 19;
constexpr int HEUR_MODE_A = 3, HEUR_MODE_FALLBACK = 2;
constexpr int NOTE_TENSOR_CORE = 0, NOTE_DOWN_CONVERT_INPUTS = 1, BEHAVIOR_RUNTIME_COMPILATION = 0;

struct Attr {
    int type;
    long long count;
    std::vector<unsigned char> bytes;
};

struct Desc {
    int kind;
    bool finalized = false;
    std::map<int, Attr> attrs;
    long long engine = -1;  // ENGINECFG, ENGINE, EXECUTION_PLAN: the engine it stands for
};

// Which descriptor type an attribute name belongs to, its attribute type, and whether a caller may set it.
struct Rule {
    int kind, type;
    bool settable;
};
const std::map<int, Rule>& rules() {
    static const std::map<int, Rule> r = {
        {100, {CONVOLUTION, T_DATA_TYPE, true}}, {101, {CONVOLUTION, T_CONVOLUTION_MODE, true}},
        {102, {CONVOLUTION, T_INT64, true}}, {103, {CONVOLUTION, T_INT64, true}}, {104, {CONVOLUTION, T_INT64, true}},
        {105, {CONVOLUTION, T_INT64, true}}, {106, {CONVOLUTION, T_INT64, true}},
        {200, {ENGINEHEUR, T_HEUR_MODE, true}}, {201, {ENGINEHEUR, T_DESCRIPTOR, true}},
        {202, {ENGINEHEUR, T_DESCRIPTOR, false}}, {300, {ENGINECFG, T_DESCRIPTOR, false}},
        {400, {EXECUTION_PLAN, T_HANDLE, true}}, {401, {EXECUTION_PLAN, T_DESCRIPTOR, true}},
        {402, {EXECUTION_PLAN, T_INT64, false}},
        {700, {OP_FORWARD, T_FLOAT, true}}, {701, {OP_FORWARD, T_FLOAT, true}}, {702, {OP_FORWARD, T_DESCRIPTOR, true}},
        {703, {OP_FORWARD, T_DESCRIPTOR, true}}, {704, {OP_FORWARD, T_DESCRIPTOR, true}},
        {705, {OP_FORWARD, T_DESCRIPTOR, true}},
        {706, {OP_BACKWARD_DATA, T_FLOAT, true}}, {707, {OP_BACKWARD_DATA, T_FLOAT, true}},
        {708, {OP_BACKWARD_DATA, T_DESCRIPTOR, true}}, {709, {OP_BACKWARD_DATA, T_DESCRIPTOR, true}},
        {710, {OP_BACKWARD_DATA, T_DESCRIPTOR, true}}, {711, {OP_BACKWARD_DATA, T_DESCRIPTOR, true}},
        {712, {OP_BACKWARD_FILTER, T_FLOAT, true}}, {713, {OP_BACKWARD_FILTER, T_FLOAT, true}},
        {714, {OP_BACKWARD_FILTER, T_DESCRIPTOR, true}}, {715, {OP_BACKWARD_FILTER, T_DESCRIPTOR, true}},
        {716, {OP_BACKWARD_FILTER, T_DESCRIPTOR, true}}, {717, {OP_BACKWARD_FILTER, T_DESCRIPTOR, true}},
        {800, {OPERATIONGRAPH, T_HANDLE, true}}, {801, {OPERATIONGRAPH, T_DESCRIPTOR, true}},
        {900, {TENSOR, T_INT64, true}}, {901, {TENSOR, T_DATA_TYPE, true}}, {902, {TENSOR, T_INT64, true}},
        {903, {TENSOR, T_INT64, true}}, {906, {TENSOR, T_INT64, true}},
        {1000, {VARIANT_PACK, T_INT64, true}}, {1001, {VARIANT_PACK, T_VOID_PTR, true}},
        {1003, {VARIANT_PACK, T_VOID_PTR, true}},
        {1301, {ENGINE, T_INT64, false}}, {1303, {ENGINE, T_NUMERICAL_NOTE, false}},
        {1305, {ENGINE, T_BEHAVIOR_NOTE, false}},
    };
    return r;
}

size_t element_size(int type) {
    switch (type) {
        case T_DATA_TYPE: case T_FLOAT: case T_CONVOLUTION_MODE: case T_HEUR_MODE: case T_NUMERICAL_NOTE:
        case T_BEHAVIOR_NOTE: return 4;
        default: return 8;
    }
}

template <class T>
const T* values(const Desc* d, int name, long long count) {
    auto it = d->attrs.find(name);
    if (it == d->attrs.end() || it->second.count != count) return nullptr;
    return reinterpret_cast<const T*>(it->second.bytes.data());
}

// The one finalized descriptor of the given type an attribute names, or null.
Desc* named(const Desc* d, int name, int kind) {
    Desc* const* p = values<Desc*>(d, name, 1);
    return p != nullptr && *p != nullptr && (*p)->kind == kind && (*p)->finalized ? *p : nullptr;
}

bool tensor_ok(const Desc* t) {
    const int* type = values<int>(t, 901, 1);
    const long long* dims = values<long long>(t, 902, 4);
    const long long* strides = values<long long>(t, 903, 4);
    const long long* uid = values<long long>(t, 906, 1);
    const long long* align = values<long long>(t, 900, 1);
    if (!type || *type != DATA_FLOAT || !dims || !strides || !uid || !align || *align <= 0 || (*align & (*align - 1))) {
        return false;
    }
    long long stride = 1;
    for (int i = 3; i >= 0; i--) {  // packed NCHW only, the layout the binding describes
        if (dims[i] <= 0 || strides[i] != stride) return false;
        stride *= dims[i];
    }
    return true;
}

bool conv_ok(const Desc* c) {
    const int* comp = values<int>(c, 100, 1);
    const int* mode = values<int>(c, 101, 1);
    const long long* dims = values<long long>(c, 106, 1);
    const long long* pre = values<long long>(c, 105, 2);
    const long long* post = values<long long>(c, 104, 2);
    return comp && *comp == DATA_FLOAT && mode && *mode == CROSS_CORRELATION && dims && *dims == 2
        && values<long long>(c, 102, 2) && values<long long>(c, 103, 2) && pre && post && pre[0] == post[0]
        && pre[1] == post[1];
}

// The attribute names of an operation: alpha, beta, convolution, X, W, Y.
struct OpNames {
    int alpha, beta, conv, x, w, y;
};
OpNames op_names(int kind) {
    if (kind == OP_FORWARD) return {700, 701, 702, 704, 703, 705};
    if (kind == OP_BACKWARD_DATA) return {706, 707, 708, 710, 709, 711};
    return {712, 713, 714, 716, 715, 717};
}

const long long* dims(const Desc* t) {
    return values<long long>(t, 902, 4);
}

bool op_ok(const Desc* op) {
    OpNames a = op_names(op->kind);
    Desc *c = named(op, a.conv, CONVOLUTION), *x = named(op, a.x, TENSOR), *w = named(op, a.w, TENSOR),
         *y = named(op, a.y, TENSOR);
    if (!values<float>(op, a.alpha, 1) || !values<float>(op, a.beta, 1) || !c || !x || !w || !y) return false;
    const long long *xd = dims(x), *wd = dims(w), *yd = dims(y);
    const long long *stride = values<long long>(c, 103, 2), *pad = values<long long>(c, 105, 2),
                    *dil = values<long long>(c, 102, 2);
    long long p = (xd[2] + 2 * pad[0] - dil[0] * (wd[2] - 1) - 1) / stride[0] + 1;
    long long q = (xd[3] + 2 * pad[1] - dil[1] * (wd[3] - 1) - 1) / stride[1] + 1;
    return xd[1] == wd[1] && yd[0] == xd[0] && yd[1] == wd[0] && yd[2] == p && yd[3] == q;
}

Desc* graph_op(const Desc* graph) {
    Desc* const* ops = values<Desc*>(graph, 801, 1);
    return ops ? *ops : nullptr;
}

bool dilated(const Desc* graph) {
    Desc* op = graph_op(graph);
    const long long* dil = values<long long>(named(op, op_names(op->kind).conv, CONVOLUTION), 102, 2);
    return dil[0] != 1 || dil[1] != 1;
}

std::vector<long long> offered(const Desc* heur) {
    const int* mode = values<int>(heur, 200, 1);
    bool fallback = *mode == HEUR_MODE_FALLBACK;
    if (dilated(named(heur, 201, OPERATIONGRAPH))) return fallback ? std::vector<long long>{3} : std::vector<long long>{7, 5};
    return fallback ? std::vector<long long>{0} : std::vector<long long>{7, 5, 4, 3, 2, 1, 0};
}

long long workspace_of(long long engine) {
    return engine == 2 ? (1LL << 50) : engine == 1 ? 4096 : 0;
}

bool finalize(Desc* d) {
    switch (d->kind) {
        case TENSOR: return tensor_ok(d);
        case CONVOLUTION: return conv_ok(d);
        case OP_FORWARD: case OP_BACKWARD_DATA: case OP_BACKWARD_FILTER: return op_ok(d);
        case OPERATIONGRAPH: {
            Desc* op = graph_op(d);
            return values<void*>(d, 800, 1) && op && op->finalized
                && (op->kind == OP_FORWARD || op->kind == OP_BACKWARD_DATA || op->kind == OP_BACKWARD_FILTER);
        }
        case ENGINEHEUR: {
            const int* mode = values<int>(d, 200, 1);
            return mode && (*mode == HEUR_MODE_A || *mode == HEUR_MODE_FALLBACK) && named(d, 201, OPERATIONGRAPH);
        }
        case EXECUTION_PLAN: {
            Desc* cfg = named(d, 401, ENGINECFG);
            if (!values<void*>(d, 400, 1) || !cfg || cfg->engine == 3) return false;
            d->engine = cfg->engine;
            return true;
        }
        case VARIANT_PACK: {
            auto ids = d->attrs.find(1000), ptrs = d->attrs.find(1001);
            return ids != d->attrs.end() && ptrs != d->attrs.end() && ids->second.count == ptrs->second.count
                && values<void*>(d, 1003, 1);
        }
        default: return false;
    }
}

// The graph and operation an engine configuration's plan runs, kept with each configuration.
std::map<const Desc*, const Desc*> config_graph;
int graphExecutes = 0;
long long lastEngine = -1;

void* pointer_for(const Desc* pack, long long uid) {
    const Attr& ids = pack->attrs.at(1000);
    const long long* id = reinterpret_cast<const long long*>(ids.bytes.data());
    void* const* ptr = values<void*>(pack, 1001, ids.count);
    for (long long i = 0; i < ids.count; i++)
        if (id[i] == uid) return ptr[i];
    return nullptr;
}

// The legacy descriptors of one operation, destroyed with this object.
struct Legacy {
    void *x = nullptr, *w = nullptr, *y = nullptr, *conv = nullptr;
    Legacy(const Desc* op) {
        OpNames a = op_names(op->kind);
        const long long *xd = dims(named(op, a.x, TENSOR)), *wd = dims(named(op, a.w, TENSOR)),
                        *yd = dims(named(op, a.y, TENSOR));
        const Desc* c = named(op, a.conv, CONVOLUTION);
        const long long *pad = values<long long>(c, 105, 2), *stride = values<long long>(c, 103, 2),
                        *dil = values<long long>(c, 102, 2);
        cudnnCreateTensorDescriptor(&x);
        cudnnSetTensor4dDescriptor(x, NCHW, DATA_FLOAT, xd[0], xd[1], xd[2], xd[3]);
        cudnnCreateFilterDescriptor(&w);
        cudnnSetFilter4dDescriptor(w, DATA_FLOAT, NCHW, wd[0], wd[1], wd[2], wd[3]);
        cudnnCreateTensorDescriptor(&y);
        cudnnSetTensor4dDescriptor(y, NCHW, DATA_FLOAT, yd[0], yd[1], yd[2], yd[3]);
        cudnnCreateConvolutionDescriptor(&conv);
        cudnnSetConvolution2dDescriptor(conv, pad[0], pad[1], stride[0], stride[1], dil[0], dil[1], CROSS_CORRELATION,
                                        DATA_FLOAT);
    }
    ~Legacy() {
        cudnnDestroyTensorDescriptor(x);
        cudnnDestroyFilterDescriptor(w);
        cudnnDestroyTensorDescriptor(y);
        cudnnDestroyConvolutionDescriptor(conv);
    }
};
}  // namespace

extern "C" {

int cudnnBackendCreateDescriptor(int kind, Desc** out) {
    if (out == nullptr || kind < 0 || kind > TENSOR) return BAD_PARAM;
    *out = new Desc{kind};
    return SUCCESS;
}

int cudnnBackendDestroyDescriptor(Desc* d) {
    if (d == nullptr) return BAD_PARAM;
    config_graph.erase(d);
    delete d;
    return SUCCESS;
}

int cudnnBackendSetAttribute(Desc* d, int name, int type, long long count, const void* elements) {
    auto rule = rules().find(name);
    if (d == nullptr || d->finalized || rule == rules().end() || rule->second.kind != d->kind || !rule->second.settable
        || rule->second.type != type || count < 0 || (count > 0 && elements == nullptr)) {
        return BAD_PARAM;
    }
    Attr a{type, count, std::vector<unsigned char>(count * element_size(type))};
    if (count > 0) std::memcpy(a.bytes.data(), elements, a.bytes.size());
    d->attrs[name] = a;
    return SUCCESS;
}

int cudnnBackendFinalize(Desc* d) {
    if (d == nullptr || d->finalized) return BAD_PARAM;
    if (!finalize(d)) return d->kind == EXECUTION_PLAN ? NOT_SUPPORTED : BAD_PARAM;
    d->finalized = true;
    return SUCCESS;
}

int cudnnBackendGetAttribute(const Desc* d, int name, int type, long long requested, long long* count, void* out) {
    auto rule = rules().find(name);
    if (d == nullptr || !d->finalized || rule == rules().end() || rule->second.kind != d->kind
        || rule->second.type != type || count == nullptr || requested < 0 || (requested > 0 && out == nullptr)) {
        return BAD_PARAM;
    }
    if (name == 202) {  // heuristics results: fills engine configurations the caller created
        std::vector<long long> engines = offered(d);
        *count = (long long)engines.size();
        Desc** cfgs = static_cast<Desc**>(out);
        for (long long i = 0; i < requested && i < *count; i++) {
            if (cfgs[i] == nullptr || cfgs[i]->kind != ENGINECFG) return BAD_PARAM;
            cfgs[i]->engine = engines[i];
            cfgs[i]->finalized = true;
            config_graph[cfgs[i]] = named(d, 201, OPERATIONGRAPH);
        }
        if (requested < *count && requested > 0) *count = requested;
        return SUCCESS;
    }
    if (name == 300) {  // the configuration's engine, into an engine descriptor the caller created
        Desc* e = *static_cast<Desc**>(out);
        if (requested < 1 || e == nullptr || e->kind != ENGINE) return BAD_PARAM;
        e->engine = d->engine;
        e->finalized = true;
        *count = 1;
        return SUCCESS;
    }
    std::vector<long long> longs;
    std::vector<int> notes;
    if (name == 1301) longs = {d->engine};
    if (name == 402) longs = {workspace_of(d->engine)};
    if (name == 1303) {
        if (d->engine == 7) notes = {NOTE_TENSOR_CORE};
        if (d->engine == 4) notes = {NOTE_DOWN_CONVERT_INPUTS};
    }
    if (name == 1305 && d->engine == 5) notes = {BEHAVIOR_RUNTIME_COMPILATION};
    *count = (long long)(type == T_INT64 ? longs.size() : notes.size());
    for (long long i = 0; i < requested && i < *count; i++) {
        if (type == T_INT64) static_cast<long long*>(out)[i] = longs[i];
        else static_cast<int*>(out)[i] = notes[i];
    }
    return SUCCESS;
}

int cudnnBackendExecute(void* handle, const Desc* plan, const Desc* pack) {
    if (plan == nullptr || pack == nullptr || plan->kind != EXECUTION_PLAN || pack->kind != VARIANT_PACK
        || !plan->finalized || !pack->finalized) {
        return BAD_PARAM;
    }
    const Desc* cfg = named(plan, 401, ENGINECFG);
    auto g = config_graph.find(cfg);
    if (handle == nullptr || *values<void*>(plan, 400, 1) != handle || g == config_graph.end()) return BAD_PARAM;
    const Desc* op = graph_op(g->second);
    OpNames a = op_names(op->kind);
    void* ptr[3];
    int names[3] = {a.x, a.w, a.y};
    for (int i = 0; i < 3; i++) {
        const Desc* t = named(op, names[i], TENSOR);
        ptr[i] = pointer_for(pack, *values<long long>(t, 906, 1));
        long long align = *values<long long>(t, 900, 1);
        if (ptr[i] == nullptr || reinterpret_cast<uintptr_t>(ptr[i]) % align != 0) return BAD_PARAM;
    }
    void* ws = *values<void*>(pack, 1003, 1);
    long long need = workspace_of(plan->engine);
    if (need > 0 && ws == nullptr) return BAD_PARAM;
    if (need > 0) std::memset(ws, 0xab, need);  // the workspace must be real, writable memory
    if (plan->engine == 1) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    Legacy l(op);
    const float *alpha = values<float>(op, a.alpha, 1), *beta = values<float>(op, a.beta, 1);
    float *x = static_cast<float*>(ptr[0]), *w = static_cast<float*>(ptr[1]), *y = static_cast<float*>(ptr[2]);
    graphExecutes++;
    lastEngine = plan->engine;
    if (op->kind == OP_FORWARD) return cudnnConvolutionForward(handle, alpha, l.x, x, l.w, w, l.conv, 0, nullptr, 0, beta, l.y, y);
    if (op->kind == OP_BACKWARD_DATA) {
        return cudnnConvolutionBackwardData(handle, alpha, l.w, w, l.y, y, l.conv, 0, nullptr, 0, beta, l.x, x);
    }
    return cudnnConvolutionBackwardFilter(handle, alpha, l.x, x, l.y, y, l.conv, 0, nullptr, 0, beta, l.w, w);
}

int emu_cudnn_graph_executes() {
    return graphExecutes;
}

int emu_cudnn_graph_last_engine() {
    return (int)lastEngine;
}
}
