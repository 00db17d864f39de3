// libhdf5 for the HDF5Sink's writer (nodes/hdf5-sink/libhdf5.ts): the few calls it makes,
// on a file handle, each synchronous. Its own addon (patchbay_hdf5), built only where
// libhdf5's development files are, so a machine without them keeps the camera addon.
//
// What this buys over h5wasm: data is written from the caller's memory (the recorder's
// shared slab) with no copy into WebAssembly memory, and a whole chunk goes to the file in
// one H5Dwrite_chunk, which is a pwrite from that memory.
//
// Linked with -z nodelete: Node unloads an addon that a worker thread loaded when that thread
// ends, libhdf5 went with it, and its thread-local destructors then ran at an unmapped
// address (every recorder's writer thread crashed the process as it ended).
//
// Errors: every call that fails throws an Error whose `h5stack` is HDF5's error stack as
// H5Eprint would have printed it (the same text h5wasm prints), which the writer reads the
// operating system's message from.
//
// run(handle, ops) does a batch of resizes, writes and a flush on a thread of libuv's pool and
// settles a promise: the recorder writes from the pipeline's own thread without blocking it
// (no writer thread of its own, whose JavaScript heap cost about 10 MB).
#include <hdf5.h>
#include <napi.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace {

/**
 * Every call into libhdf5 holds this: recorders in several worker threads of one process
 * share the library, and a libhdf5 built without thread safety (Debian's has it, others may
 * not) must see one caller at a time. A thread-safe build serialises its calls anyway.
 */
std::mutex& h5lock() {
  static std::mutex m;
  return m;
}

/**
 * A refused call, thrown where no JavaScript is at hand (run()'s thread): what failed, and
 * HDF5's error stack read at the time (empty for arguments that do not fit the dataset).
 */
struct Fault {
  std::string what;
  std::string stack;
  bool range = false;
};

struct FileState {
  hid_t file = H5I_INVALID_HID;
  std::map<std::string, hid_t> datasets;
  ~FileState() { close(); }
  herr_t close() {
    herr_t status = 0;
    for (auto& [path, id] : datasets)
      if (H5Dclose(id) < 0) status = -1;
    datasets.clear();
    if (file >= 0 && H5Fclose(file) < 0) status = -1;
    file = H5I_INVALID_HID;
    return status;
  }
};

using Handle = Napi::External<FileState>;

/**
 * An HDF5 id closed when it goes out of scope. Failures throw while these are still open,
 * so the error stack is read before their closing (an API call) clears it.
 */
struct Id {
  hid_t id;
  herr_t (*closer)(hid_t);
  Id(hid_t i, herr_t (*c)(hid_t)) : id(i), closer(c) {}
  Id(const Id&) = delete;
  Id(Id&& o) noexcept : id(o.id), closer(o.closer) { o.id = H5I_INVALID_HID; }
  Id& operator=(const Id&) = delete;
  ~Id() {
    if (id >= 0) closer(id);
  }
  operator hid_t() const { return id; }
  bool bad() const { return id < 0; }
};

/** HDF5's error stack of this thread, formatted as H5Eprint2 prints it. */
std::string errorStack() {
  std::string text;
  auto walk = [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
    char line[2048];
    std::snprintf(line, sizeof line, "  #%03u: %s line %u in %s(): %s\n", n, e->file_name ? e->file_name : "?",
                  e->line, e->func_name ? e->func_name : "?", e->desc ? e->desc : "");
    static_cast<std::string*>(out)->append(line);
    return 0;
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk, &text);
  H5Eclear2(H5E_DEFAULT);
  return text;
}

/** The failed call, its stack read now, before another call clears it. */
[[noreturn]] void fail(const std::string& what) { throw Fault{what, errorStack()}; }

/** Arguments that do not fit the dataset (no HDF5 call failed). */
[[noreturn]] void misfit(const std::string& what) { throw Fault{what, "", true}; }

/** The JavaScript error for a fault: an Error with `h5stack`, or a RangeError. */
Napi::Error toError(Napi::Env env, const Fault& f) {
  if (f.range) return Napi::RangeError::New(env, f.what);
  Napi::Error error = Napi::Error::New(env, f.what);
  error.Set("h5stack", Napi::String::New(env, f.stack));
  return error;
}

/** Makes this thread's HDF5 calls quiet (the stack is read instead) and clears what is left of the last. */
void quiet() {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  H5Eclear2(H5E_DEFAULT);
}

FileState& state(const Napi::CallbackInfo& info) {
  if (!info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "expected a file handle");
  FileState* s = info[0].As<Handle>().Data();
  if (s->file < 0) throw Napi::Error::New(info.Env(), "the file is closed");
  return *s;
}

std::string textOf(Napi::Env env, Napi::Value v) {
  if (!v.IsString()) throw Napi::TypeError::New(env, "expected a string");
  return v.As<Napi::String>().Utf8Value();
}

std::string str(const Napi::CallbackInfo& info, size_t i) { return textOf(info.Env(), info[i]); }

std::vector<hsize_t> sizesOf(Napi::Env env, Napi::Value v, bool unlimited = false) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, "expected an array of sizes");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<hsize_t> out(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) {
    double x = a.Get(k).As<Napi::Number>().DoubleValue();
    if (unlimited && x == -1) {
      out[k] = H5S_UNLIMITED;
      continue;
    }
    if (!(x >= 0 && x <= 9007199254740991.0 && x == static_cast<double>(static_cast<uint64_t>(x))))
      throw Napi::RangeError::New(env, "sizes are whole numbers from 0");
    out[k] = static_cast<hsize_t>(x);
  }
  return out;
}

std::vector<hsize_t> dims(const Napi::CallbackInfo& info, size_t i, bool unlimited = false) {
  return sizesOf(info.Env(), info[i], unlimited);
}

/** The bytes of a typed array or Buffer (an ArrayBuffer's or a SharedArrayBuffer's). */
std::pair<const void*, size_t> bytes(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "expected a typed array");
  Napi::TypedArray t = info[i].As<Napi::TypedArray>();
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  NAPI_THROW_IF_FAILED(info.Env(),
                       napi_get_typedarray_info(info.Env(), t, &type, &length, &data, &buffer, &offset),
                       std::make_pair(nullptr, 0));
  return {data, t.ByteLength()};
}

/** Memory named by an address (address()) and a byte count. */
std::pair<const void*, size_t> memoryAt(Napi::Env env, Napi::Value address, Napi::Value bytes) {
  double at = address.IsNumber() ? address.As<Napi::Number>().DoubleValue() : -1;
  double size = bytes.IsNumber() ? bytes.As<Napi::Number>().DoubleValue() : -1;
  if (!(at > 0 && at <= 9007199254740991.0 && at == static_cast<double>(static_cast<uint64_t>(at)) && size >= 0 &&
        size == static_cast<double>(static_cast<uint64_t>(size))))
    throw Napi::RangeError::New(env, "an address and a size are whole numbers");
  return {reinterpret_cast<const void*>(static_cast<uintptr_t>(at)), static_cast<size_t>(size)};
}

/** A file type by its short name; closes itself. */
struct Type {
  hid_t id = H5I_INVALID_HID;
  bool owned = false;
  ~Type() {
    if (owned && id >= 0) H5Tclose(id);
  }
};

void typeOf(Napi::Env env, const std::string& name, Type& t) {
  static const std::map<std::string, hid_t> plain = {
      {"u1", H5T_STD_U8LE},  {"u2", H5T_STD_U16LE},  {"u8", H5T_STD_U64LE},  {"i1", H5T_STD_I8LE},
      {"i2", H5T_STD_I16LE}, {"i4", H5T_STD_I32LE},  {"i8", H5T_STD_I64LE},  {"f4", H5T_IEEE_F32LE},
      {"f8", H5T_IEEE_F64LE},
  };
  auto found = plain.find(name);
  if (found != plain.end()) {
    t.id = found->second;
    return;
  }
  // complex: the compound {r, i} h5py reads as numpy complex, as h5wasm writes it.
  if (name == "c8" || name == "c16") {
    hid_t part = name == "c8" ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
    size_t size = H5Tget_size(part);
    t.id = H5Tcreate(H5T_COMPOUND, 2 * size);
    t.owned = true;
    if (t.id < 0 || H5Tinsert(t.id, "r", 0, part) < 0 || H5Tinsert(t.id, "i", size, part) < 0)
      fail("cannot make the complex type");
    return;
  }
  if (name == "str") {
    // A variable-length UTF-8 string, padded as h5wasm pads its own.
    t.id = H5Tcopy(H5T_C_S1);
    t.owned = true;
    if (t.id < 0 || H5Tset_size(t.id, H5T_VARIABLE) < 0 || H5Tset_cset(t.id, H5T_CSET_UTF8) < 0 ||
        H5Tset_strpad(t.id, H5T_STR_SPACEPAD) < 0)
      fail("cannot make the string type");
    return;
  }
  throw Napi::TypeError::New(env, "unknown type " + name);
}

/**
 * Datasets stay open between calls, with no chunk cache: a chunk written goes to the file
 * (compressed first, when filtered) within the call that wrote it, as with h5wasm, which
 * opens and closes the dataset each call. With a cache the compression of each chunk would
 * wait for the flush, and the writer's pace per frame would read low.
 */
Id noChunkCache() {
  Id dapl(H5Pcreate(H5P_DATASET_ACCESS), H5Pclose);
  if (dapl.bad() || H5Pset_chunk_cache(dapl, H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0, H5D_CHUNK_CACHE_W0_DEFAULT) < 0)
    fail("cannot set the dataset's access properties");
  return dapl;
}

hid_t dataset(FileState& s, const std::string& path) {
  auto found = s.datasets.find(path);
  if (found != s.datasets.end()) return found->second;
  // Closed after the check: closing it (an API call) would clear the stack fail() reads.
  Id dapl = noChunkCache();
  hid_t id = H5Dopen2(s.file, path.c_str(), dapl);
  if (id < 0) fail("cannot open the dataset " + path);
  s.datasets[path] = id;
  return id;
}

/**
 * Throws a failed call on a dataset, closing the dataset first: the next call opens it
 * afresh. HDF5 keeps the last chunk it looked up with the open dataset, and after a direct
 * chunk write that failed (a full disk) that entry names a chunk the index does not hold,
 * so shrinking the dataset back failed with "B-tree key not found".
 */
[[noreturn]] void failOn(FileState& s, const std::string& path, const std::string& what) {
  Fault fault{what, errorStack()};
  auto found = s.datasets.find(path);
  if (found != s.datasets.end()) {
    H5Dclose(found->second);
    H5Eclear2(H5E_DEFAULT);
    s.datasets.erase(found);
  }
  throw fault;
}

// open(path, mode 'r' | 'a' | 'w' | 'x'): handle. The file format readable by HDF5 1.10
// (libver earliest to v110), and no file locking (the recorder locks its file itself, and
// readers open it while it records).
Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = str(info, 0), mode = str(info, 1);
  if (mode != "r" && mode != "a" && mode != "w" && mode != "x") throw Napi::TypeError::New(env, "mode is r, a, w or x");
  Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (fapl.bad() || H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V110) < 0 ||
      H5Pset_file_locking(fapl, false, true) < 0)
    fail("cannot set the file's access properties");
  hid_t file = mode == "r"   ? H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl)
               : mode == "a" ? H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl)
                             : H5Fcreate(path.c_str(), mode == "w" ? H5F_ACC_TRUNC : H5F_ACC_EXCL, H5P_DEFAULT, fapl);
  if (file < 0) fail("cannot open " + path);
  auto* s = new FileState();
  s->file = file;
  return Handle::New(env, s, [](Napi::Env, FileState* st) {
    std::lock_guard<std::mutex> guard(h5lock());
    delete st;
  });
}

// close(handle): closes every dataset it opened, then the file. Closing twice is a no-op.
Napi::Value Close(const Napi::CallbackInfo& info) {
  if (!info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "expected a file handle");
  FileState* s = info[0].As<Handle>().Data();
  if (s->file >= 0 && s->close() < 0) fail("cannot close the file");
  return info.Env().Undefined();
}

void flushFile(FileState& s) {
  if (H5Fflush(s.file, H5F_SCOPE_LOCAL) < 0) fail("cannot flush the file");
}

// flush(handle): everything HDF5 holds goes to the file (not an fsync).
Napi::Value Flush(const Napi::CallbackInfo& info) {
  flushFile(state(info));
  return info.Env().Undefined();
}

// exists(handle, name): a link of that name in the root group.
Napi::Value Exists(const Napi::CallbackInfo& info) {
  FileState& s = state(info);
  htri_t r = H5Lexists(s.file, str(info, 1).c_str(), H5P_DEFAULT);
  if (r < 0) fail("cannot look the name up");
  return Napi::Boolean::New(info.Env(), r > 0);
}

// createGroup(handle, path)
Napi::Value CreateGroup(const Napi::CallbackInfo& info) {
  FileState& s = state(info);
  std::string path = str(info, 1);
  Id g(H5Gcreate2(s.file, path.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  if (g.bad()) fail("cannot create the group " + path);
  return info.Env().Undefined();
}

// setAttr(handle, objectPath, name, type, value): a scalar, or a 1-D array when value is an
// array. type: i8, i1, f8 (value numbers) or str (value strings).
Napi::Value SetAttr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileState& s = state(info);
  std::string object = str(info, 1), name = str(info, 2), typeName = str(info, 3);
  Napi::Value value = info[4];
  bool array = value.IsArray();
  std::vector<Napi::Value> items;
  if (array) {
    Napi::Array a = value.As<Napi::Array>();
    for (uint32_t k = 0; k < a.Length(); k++) items.push_back(a.Get(k));
  } else {
    items.push_back(value);
  }
  Type type;
  typeOf(env, typeName, type);
  std::vector<std::string> strings;
  std::vector<const char*> pointers;
  std::vector<int64_t> ints;
  std::vector<int8_t> smalls;
  std::vector<double> floats;
  const void* data;
  hid_t memType;
  if (typeName == "str") {
    for (auto& v : items) strings.push_back(v.As<Napi::String>().Utf8Value());
    for (auto& v : strings) pointers.push_back(v.c_str());
    data = pointers.data();
    memType = type.id;
  } else if (typeName == "i8") {
    for (auto& v : items) ints.push_back(v.As<Napi::Number>().Int64Value());
    data = ints.data();
    memType = H5T_NATIVE_INT64;
  } else if (typeName == "i1") {
    for (auto& v : items) smalls.push_back(static_cast<int8_t>(v.As<Napi::Number>().Int32Value()));
    data = smalls.data();
    memType = H5T_NATIVE_INT8;
  } else if (typeName == "f8") {
    for (auto& v : items) floats.push_back(v.As<Napi::Number>().DoubleValue());
    data = floats.data();
    memType = H5T_NATIVE_DOUBLE;
  } else {
    throw Napi::TypeError::New(env, "attributes are i8, i1, f8 or str");
  }
  hsize_t n = items.size();
  Id space(array ? H5Screate_simple(1, &n, nullptr) : H5Screate(H5S_SCALAR), H5Sclose);
  if (space.bad()) fail("cannot make the attribute's space");
  Id obj(H5Oopen(s.file, object.c_str(), H5P_DEFAULT), H5Oclose);
  if (obj.bad()) fail("cannot open " + object);
  Id attr(H5Acreate2(obj, name.c_str(), type.id, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (attr.bad() || H5Awrite(attr, memType, data) < 0) fail("cannot write the attribute " + name);
  return env.Undefined();
}

// deleteAttr(handle, objectPath, name)
Napi::Value DeleteAttr(const Napi::CallbackInfo& info) {
  FileState& s = state(info);
  std::string object = str(info, 1), name = str(info, 2);
  if (H5Adelete_by_name(s.file, object.c_str(), name.c_str(), H5P_DEFAULT) < 0)
    fail("cannot delete the attribute " + name);
  return info.Env().Undefined();
}

// createDataset(handle, path, type, dims, maxdims (-1: unlimited), chunks, gzipLevel (0: none))
Napi::Value CreateDataset(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileState& s = state(info);
  std::string path = str(info, 1);
  Type type;
  typeOf(env, str(info, 2), type);
  std::vector<hsize_t> shape = dims(info, 3), most = dims(info, 4, true), chunks = dims(info, 5);
  int level = info[6].As<Napi::Number>().Int32Value();
  if (shape.size() != most.size() || shape.size() != chunks.size() || shape.empty())
    throw Napi::RangeError::New(env, "dims, maxdims and chunks differ in rank");
  Id space(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), most.data()), H5Sclose);
  Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (space.bad() || dcpl.bad() || H5Pset_chunk(dcpl, static_cast<int>(chunks.size()), chunks.data()) < 0 ||
      (level != 0 && H5Pset_deflate(dcpl, static_cast<unsigned>(level)) < 0))
    fail("cannot set the dataset's properties");
  Id dapl = noChunkCache();
  hid_t d = H5Dcreate2(s.file, path.c_str(), type.id, space, H5P_DEFAULT, dcpl, dapl);
  if (d < 0) fail("cannot create the dataset " + path);
  s.datasets[path] = d;
  return env.Undefined();
}

void resizeDataset(FileState& s, const std::string& path, const std::vector<hsize_t>& size) {
  hid_t d = dataset(s, path);
  Id space(H5Dget_space(d), H5Sclose);
  if (space.bad()) fail("cannot read the space of " + path);
  if (H5Sget_simple_extent_ndims(space) != static_cast<int>(size.size()))
    misfit("the sizes do not match the dataset's rank");
  if (H5Dset_extent(d, size.data()) < 0) failOn(s, path, "cannot resize " + path);
}

// resize(handle, path, dims)
Napi::Value Resize(const Napi::CallbackInfo& info) {
  resizeDataset(state(info), str(info, 1), dims(info, 2));
  return info.Env().Undefined();
}

/** The block of `count` at `start`, `size` bytes from `data` as they are (the file's own type and byte order). */
void writeBlock(FileState& s, const std::string& path, const std::vector<hsize_t>& start,
                const std::vector<hsize_t>& count, const void* data, size_t size) {
  hid_t d = dataset(s, path);
  Id type(H5Dget_type(d), H5Tclose);
  Id fileSpace(H5Dget_space(d), H5Sclose);
  if (type.bad() || fileSpace.bad()) fail("cannot read the type and space of " + path);
  size_t want = H5Tget_size(type);
  for (hsize_t c : count) want *= c;
  if (H5Sget_simple_extent_ndims(fileSpace) != static_cast<int>(start.size()) || start.size() != count.size() ||
      want != size)
    misfit("the data does not match the block's size and rank");
  Id memSpace(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr), H5Sclose);
  if (memSpace.bad() ||
      H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0 ||
      H5Dwrite(d, type, memSpace, fileSpace, H5P_DEFAULT, data) < 0)
    failOn(s, path, "cannot write to " + path);
}

// write(handle, path, offset, count, data): the block of `count` at `offset`, from data's bytes.
Napi::Value Write(const Napi::CallbackInfo& info) {
  FileState& s = state(info);
  auto [data, size] = bytes(info, 4);
  writeBlock(s, str(info, 1), dims(info, 2), dims(info, 3), data, size);
  return info.Env().Undefined();
}

/** One whole chunk of `d` at `start`, `size` bytes from `data`: refused unless the rank and the chunk's bytes are the dataset's. */
void writeChunkFrom(FileState& s, const std::string& path, const std::vector<hsize_t>& start, const void* data,
                    size_t size) {
  hid_t d = dataset(s, path);
  Id type(H5Dget_type(d), H5Tclose);
  Id dcpl(H5Dget_create_plist(d), H5Pclose);
  if (type.bad() || dcpl.bad()) fail("cannot read the type and chunks of " + path);
  std::vector<hsize_t> chunk(32);
  int rank = H5Pget_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data());
  if (rank < 0) fail("cannot read the chunks of " + path);
  size_t want = H5Tget_size(type);
  for (int k = 0; k < rank; k++) want *= chunk[k];
  if (static_cast<size_t>(rank) != start.size() || want != size)
    misfit("the data does not match the chunk's size and rank");
  if (H5Dwrite_chunk(d, H5P_DEFAULT, 0, start.data(), size, data) < 0)
    failOn(s, path, "cannot write a chunk of " + path);
}

// writeChunk(handle, path, offset, data): one whole chunk, unfiltered, straight to the file.
Napi::Value WriteChunk(const Napi::CallbackInfo& info) {
  FileState& s = state(info);
  auto [data, size] = bytes(info, 3);
  writeChunkFrom(s, str(info, 1), dims(info, 2), data, size);
  return info.Env().Undefined();
}

// writeChunkAt(handle, path, offset, address, bytes): writeChunk from memory another thread of
// this process holds for the caller until the call returns (address() of a frame the HDF5Sink
// stage keeps): the frame goes to the file without a copy into the writer's slab.
Napi::Value WriteChunkAt(const Napi::CallbackInfo& info) {
  FileState& s = state(info);
  auto [data, size] = memoryAt(info.Env(), info[3], info[4]);
  writeChunkFrom(s, str(info, 1), dims(info, 2), data, size);
  return info.Env().Undefined();
}

// address(typedArray): where its bytes start in this process's memory, for writeChunkAt on
// another thread. The caller keeps the array (and its buffer undetached) until that returns.
Napi::Value Address(const Napi::CallbackInfo& info) {
  auto [data, size] = bytes(info, 0);
  (void)size;
  return Napi::Number::New(info.Env(), static_cast<double>(reinterpret_cast<uintptr_t>(data)));
}

// shape(handle, path): the dataset's dimensions, or null when there is no such dataset.
Napi::Value Shape(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileState& s = state(info);
  std::string path = str(info, 1);
  htri_t there = H5Lexists(s.file, path.c_str(), H5P_DEFAULT);
  if (there <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return env.Null();
  }
  Id d(H5Dopen2(s.file, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (d.bad()) {
    H5Eclear2(H5E_DEFAULT);
    return env.Null();
  }
  Id space(H5Dget_space(d), H5Sclose);
  int rank = space.bad() ? -1 : H5Sget_simple_extent_ndims(space);
  if (rank < 0) fail("cannot read the shape of " + path);
  std::vector<hsize_t> size(rank);
  if (rank > 0 && H5Sget_simple_extent_dims(space, size.data(), nullptr) < 0)
    fail("cannot read the shape of " + path);
  Napi::Array out = Napi::Array::New(env, size.size());
  for (size_t k = 0; k < size.size(); k++) out.Set(k, Napi::Number::New(env, static_cast<double>(size[k])));
  return out;
}

/** One step of a batch: what run() does on the pool's thread, its arguments read on the event loop. */
struct Step {
  enum Kind { Resize, Write, Chunk, Flush } kind;
  std::string path;
  std::vector<hsize_t> offset, count;
  const void* data = nullptr;
  size_t size = 0;
};

/**
 * A batch of steps on a thread of libuv's pool, under the lock, stopping at the first that
 * fails; settles a promise with the nanoseconds it took, or the fault as the call would have
 * thrown it.
 */
class Batch : public Napi::AsyncWorker {
 public:
  Batch(Napi::Env env, Napi::Value handle, FileState* s, std::vector<Step> steps)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        holder_(Napi::Persistent(Napi::Object::New(env))),
        state_(s),
        steps_(std::move(steps)) {
    // The handle's finalizer deletes the file's state: held until the batch is done with it.
    holder_.Set("handle", handle);
  }
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    auto t0 = std::chrono::steady_clock::now();
    {
      std::lock_guard<std::mutex> guard(h5lock());
      quiet();
      try {
        if (state_->file < 0) throw Fault{"the file is closed", ""};
        for (const Step& step : steps_) run(step);
      } catch (const Fault& f) {
        fault_ = f;
      } catch (const std::exception& e) {
        fault_ = Fault{std::string("HDF5 batch: ") + e.what(), ""};
      }
      // An empty message would read as success to AsyncWorker.
      if (!fault_.what.empty() || !fault_.stack.empty())
        SetError(fault_.what.empty() ? "HDF5 refused a step" : fault_.what);
    }
    ns_ = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  }
  void OnOK() override { deferred_.Resolve(Napi::Number::New(Env(), ns_)); }
  void OnError(const Napi::Error&) override { deferred_.Reject(toError(Env(), fault_).Value()); }

 private:
  void run(const Step& step) {
    FileState& s = *state_;
    switch (step.kind) {
      case Step::Resize:
        return resizeDataset(s, step.path, step.count);
      case Step::Write:
        return writeBlock(s, step.path, step.offset, step.count, step.data, step.size);
      case Step::Chunk:
        return writeChunkFrom(s, step.path, step.offset, step.data, step.size);
      case Step::Flush:
        return flushFile(s);
    }
  }
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference holder_;
  FileState* state_;
  std::vector<Step> steps_;
  Fault fault_;
  double ns_ = 0;
};

// run(handle, steps): a promise of the nanoseconds the steps took, done in order on another
// thread, stopping at the first refused. Each step is one of
//   ['resize', path, dims]
//   ['write', path, offset, count, address, bytes]   (as write(), from address())
//   ['chunk', path, offset, address, bytes]          (as writeChunkAt())
//   ['flush']
// The caller keeps the memory the addresses name, and makes no other call on the file,
// until the promise settles.
Napi::Value Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileState& s = state(info);
  if (!info[1].IsArray()) throw Napi::TypeError::New(env, "expected an array of steps");
  Napi::Array list = info[1].As<Napi::Array>();
  std::vector<Step> steps;
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value v = list.Get(i);
    if (!v.IsArray()) throw Napi::TypeError::New(env, "a step is an array");
    Napi::Array a = v.As<Napi::Array>();
    std::string kind = a.Get(0u).IsString() ? a.Get(0u).As<Napi::String>().Utf8Value() : "";
    Step step{Step::Flush, "", {}, {}, nullptr, 0};
    // The same readings of the arguments as the calls each step stands for.
    auto text = [&](uint32_t k) { return textOf(env, a.Get(k)); };
    auto sizes = [&](uint32_t k) { return sizesOf(env, a.Get(k)); };
    auto memory = [&](uint32_t k) { std::tie(step.data, step.size) = memoryAt(env, a.Get(k), a.Get(k + 1)); };
    if (kind == "resize") {
      step = Step{Step::Resize, text(1), {}, sizes(2), nullptr, 0};
    } else if (kind == "write") {
      step = Step{Step::Write, text(1), sizes(2), sizes(3), nullptr, 0};
      memory(4);
    } else if (kind == "chunk") {
      step = Step{Step::Chunk, text(1), sizes(2), {}, nullptr, 0};
      memory(3);
    } else if (kind != "flush") {
      throw Napi::TypeError::New(env, "a step is resize, write, chunk or flush");
    }
    steps.push_back(std::move(step));
  }
  auto* batch = new Batch(env, info[0], &s, std::move(steps));
  Napi::Promise promise = batch->promise();
  batch->Queue();
  return promise;
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  unsigned major, minor, release;
  H5get_libversion(&major, &minor, &release);
  return Napi::String::New(info.Env(), std::to_string(major) + "." + std::to_string(minor) + "." +
                                           std::to_string(release));
}

/** Every exported call: under the lock, with this thread's HDF5 quiet and its error stack clear. */
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value Locked(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> guard(h5lock());
  quiet();
  try {
    return F(info);
  } catch (const Fault& f) {
    throw toError(info.Env(), f);
  }
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("open", Napi::Function::New(env, Locked<Open>));
  exports.Set("close", Napi::Function::New(env, Locked<Close>));
  exports.Set("flush", Napi::Function::New(env, Locked<Flush>));
  exports.Set("exists", Napi::Function::New(env, Locked<Exists>));
  exports.Set("createGroup", Napi::Function::New(env, Locked<CreateGroup>));
  exports.Set("setAttr", Napi::Function::New(env, Locked<SetAttr>));
  exports.Set("deleteAttr", Napi::Function::New(env, Locked<DeleteAttr>));
  exports.Set("createDataset", Napi::Function::New(env, Locked<CreateDataset>));
  exports.Set("resize", Napi::Function::New(env, Locked<Resize>));
  exports.Set("write", Napi::Function::New(env, Locked<Write>));
  exports.Set("writeChunk", Napi::Function::New(env, Locked<WriteChunk>));
  exports.Set("writeChunkAt", Napi::Function::New(env, Locked<WriteChunkAt>));
  exports.Set("address", Napi::Function::New(env, Address));
  exports.Set("run", Napi::Function::New(env, Run));
  exports.Set("shape", Napi::Function::New(env, Locked<Shape>));
  exports.Set("version", Napi::Function::New(env, Locked<Version>));
  return exports;
}

}  // namespace

NODE_API_MODULE(patchbay_hdf5, Init)
