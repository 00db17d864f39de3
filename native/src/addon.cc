// The JavaScript binding: backends, device lists, and a Camera object whose slow calls
// (open, settings, start, stop) run on libuv's thread pool and return promises, and
// whose frames come from the grab thread through one thread-safe wake-up call.
#include <napi.h>

#include <array>
#include <functional>
#include <mutex>
#include <vector>

#include "acquisition.h"
#include "device.h"
#include "file-lock.h"

#ifdef PATCHBAY_WITH_PYLON
// pylon's platform header goes before any GenICam one (pylon/Platform.h says why).
#include <pylon/Platform.h>
#include <Base/GCException.h>
#endif

namespace patchbay {
namespace {

Napi::Error toJsError(Napi::Env env, const CameraError& e) {
  Napi::Error error = Napi::Error::New(env, e.what());
  Napi::Object o = error.Value();
  o.Set("code", codeName(e.code));
  if (!e.param.empty()) o.Set("param", e.param);
  if (e.hasValue) o.Set("value", e.value);
  if (e.hasRange) {
    o.Set("min", e.min);
    o.Set("max", e.max);
  }
  if (!e.allowed.empty()) {
    Napi::Array a = Napi::Array::New(env, e.allowed.size());
    for (size_t i = 0; i < e.allowed.size(); i++) a.Set(i, e.allowed[i]);
    o.Set("allowed", a);
  }
  return error;
}

[[noreturn]] void throwJs(Napi::Env env, const CameraError& e) { throw toJsError(env, e); }

// Runs work() off the event loop, then settles a promise with done() on it.
class Task : public Napi::AsyncWorker {
 public:
  using Work = std::function<void()>;
  using Done = std::function<Napi::Value(Napi::Env)>;
  using Fail = std::function<void(Napi::Env)>;

  static Napi::Promise run(Napi::Env env, Work work, Done done, Napi::Object keep = Napi::Object(), Fail fail = nullptr) {
    auto* task = new Task(env, std::move(work), std::move(done), std::move(fail));
    if (!keep.IsEmpty()) task->keep_ = Napi::Persistent(keep);
    Napi::Promise promise = task->deferred_.Promise();
    task->Queue();
    return promise;
  }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (const CameraError& e) {
      error_ = std::make_unique<CameraError>(e);
    } catch (const std::exception& e) {
      error_ = std::make_unique<CameraError>(ErrorCode::CameraError, e.what());
#ifdef PATCHBAY_WITH_PYLON
    } catch (const GenICam::GenericException& e) {
      // Not a std::exception: uncaught on a libuv thread it would abort Node.
      error_ = std::make_unique<CameraError>(ErrorCode::CameraError, e.GetDescription());
#endif
    } catch (...) {
      error_ = std::make_unique<CameraError>(ErrorCode::CameraError, "the camera driver threw an unknown exception");
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (error_) {
      if (fail_) fail_(env);
      deferred_.Reject(toJsError(env, *error_).Value());
      return;
    }
    try {
      deferred_.Resolve(done_ ? done_(env) : env.Undefined());
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

 private:
  Task(Napi::Env env, Work work, Done done, Fail fail)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)),
        done_(std::move(done)), fail_(std::move(fail)) {}

  Napi::Promise::Deferred deferred_;
  Work work_;
  Done done_;
  Fail fail_;
  Napi::ObjectReference keep_;
  std::unique_ptr<CameraError> error_;
};

const Backend& findBackend(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& b : builtBackends()) {
    if (name == b.name) return b;
    names.push_back(b.name);
  }
  throw CameraError(ErrorCode::UnknownBackend, "camera backend \"" + name + "\" is not built into this addon; built: " +
                                                   joinNames(names));
}

Napi::Object deviceToJs(Napi::Env env, const DeviceInfo& d) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("backend", d.backend);
  o.Set("id", d.id);
  o.Set("serial", d.serial);
  o.Set("vendor", d.vendor);
  o.Set("model", d.model);
  o.Set("transport", d.transport);
  return o;
}

struct AddonData {
  Napi::FunctionReference cameraClass;
};

class CameraWrap : public Napi::ObjectWrap<CameraWrap> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "NativeCamera",
                       {InstanceMethod<&CameraWrap::info>("info"), InstanceMethod<&CameraWrap::control>("control"),
                        InstanceMethod<&CameraWrap::start>("start"), InstanceMethod<&CameraWrap::take>("take"),
                        InstanceMethod<&CameraWrap::release>("release"), InstanceMethod<&CameraWrap::stop>("stop"),
                        InstanceMethod<&CameraWrap::counters>("counters"), InstanceMethod<&CameraWrap::close>("close")});
  }

  CameraWrap(const Napi::CallbackInfo& cb) : Napi::ObjectWrap<CameraWrap>(cb) {
    if (cb.Length() != 1 || !cb[0].IsExternal())
      throwJs(cb.Env(), CameraError(ErrorCode::BadArgument, "NativeCamera is created by open(), not with new"));
    device_.reset(cb[0].As<Napi::External<Device>>().Data());
  }

  ~CameraWrap() override {
    acquisition_.reset();
    if (tsfn_) tsfn_.Release();
  }

 private:
  Device& device(Napi::Env env) {
    if (!device_) throwJs(env, CameraError(ErrorCode::BadState, "the camera is closed"));
    return *device_;
  }

  Napi::Value info(const Napi::CallbackInfo& cb) { return deviceToJs(cb.Env(), device(cb.Env()).info()); }

  // control(op, name?, value?): get / set / range of a numeric setting, getFormat / setFormat.
  Napi::Value control(const Napi::CallbackInfo& cb) {
    Napi::Env env = cb.Env();
    Device* dev = &device(env);
    std::string op = cb[0].As<Napi::String>();
    std::string name = cb.Length() > 1 && cb[1].IsString() ? cb[1].As<Napi::String>().Utf8Value() : "";
    bool geometry = name == "width" || name == "height" || name == "offsetX" || name == "offsetY" || op == "setFormat";
    if (started_ && (op == "set" || op == "setFormat") && geometry) {
      CameraError e(ErrorCode::BadState, name.empty() ? "pixelFormat can't change while acquiring: stop first"
                                                      : name + " can't change while acquiring: stop first");
      e.param = name.empty() ? "pixelFormat" : name;
      throwJs(env, e);
    }
    auto result = std::make_shared<double>(0);
    auto range = std::make_shared<Range>(Range{0, 0});
    auto text = std::make_shared<std::string>();
    std::function<void()> work;
    if (op == "get") work = [=] { std::lock_guard<std::mutex> l(ctl_); *result = dev->get(name); };
    else if (op == "range") work = [=] { std::lock_guard<std::mutex> l(ctl_); *range = dev->range(name); };
    else if (op == "set") {
      double v = cb[2].As<Napi::Number>();
      work = [=] { std::lock_guard<std::mutex> l(ctl_); dev->set(name, v); *result = dev->get(name); };
    } else if (op == "getFormat") work = [=] { std::lock_guard<std::mutex> l(ctl_); *text = pixelFormatName(dev->pixelFormat()); };
    else if (op == "setFormat") {
      std::string v = cb[1].As<Napi::String>();
      work = [=] { std::lock_guard<std::mutex> l(ctl_); dev->setPixelFormat(parsePixelFormat(v)); *text = v; };
    } else throwJs(env, CameraError(ErrorCode::BadArgument, "unknown control operation " + op));
    return Task::run(env, work, [=](Napi::Env env) -> Napi::Value {
      if (op == "range") {
        Napi::Object o = Napi::Object::New(env);
        o.Set("min", range->min);
        o.Set("max", range->max);
        return o;
      }
      if (op == "getFormat" || op == "setFormat") return Napi::String::New(env, *text);
      return Napi::Number::New(env, *result);
    }, Value());
  }

  // start({mode, buffers, shared?}, wake): resolves with the frame geometry and pool layout.
  Napi::Value start(const Napi::CallbackInfo& cb) {
    Napi::Env env = cb.Env();
    Device* dev = &device(env);
    if (started_) throwJs(env, CameraError(ErrorCode::BadState, "the camera is already acquiring"));
    Napi::Object opts = cb[0].As<Napi::Object>();
    std::string modeName = opts.Get("mode").As<Napi::String>();
    int buffers = opts.Get("buffers").As<Napi::Number>().Int32Value();
    bool debayer = opts.Has("debayer") && opts.Get("debayer").ToBoolean();
    Delivery mode = modeName == "pool" ? Delivery::Pool : modeName == "shared" ? Delivery::Shared : Delivery::Owned;
    if (buffers < 1 || buffers > 4096) {
      CameraError e = CameraError::refused("buffers", buffers, 1, 4096, "frames in flight");
      e.code = ErrorCode::BadArgument;
      throwJs(env, e);
    }
    uint8_t* shared = nullptr;
    size_t sharedBytes = 0;
    if (mode == Delivery::Shared) {
      Napi::TypedArray view = opts.Get("shared").As<Napi::TypedArray>();
      Napi::Uint8Array bytes = view.As<Napi::Uint8Array>();
      shared = bytes.Data();
      sharedBytes = bytes.ByteLength();
      sharedRef_ = Napi::Persistent(view.As<Napi::Object>());
    }
    slotViews_.clear();
    tsfn_ = Napi::ThreadSafeFunction::New(env, cb[1].As<Napi::Function>(), "patchbay-camera-wake", 0, 1);
    started_ = true;
    auto geometry = std::make_shared<std::array<double, 3>>();
    auto fmt = std::make_shared<PixelFormat>(PixelFormat::Mono8);
    auto self = this;
    return Task::run(
        env,
        [=] {
          std::lock_guard<std::mutex> l(ctl_);
          self->acquisition_.reset();
          int w = static_cast<int>(dev->get("width")), h = static_cast<int>(dev->get("height"));
          *fmt = dev->pixelFormat();
          FrameLayout layout{*fmt, w, h, debayer};
          dev->setOutput(layout);
          size_t frameBytes = layout.frameBytes();
          std::shared_ptr<Pool> pool;
          if (mode == Delivery::Pool) pool = Pool::allocate(buffers, frameBytes);
          if (mode == Delivery::Shared) {
            size_t need = Pool::headerBytes(buffers) + Pool::strideFor(frameBytes) * buffers;
            if (sharedBytes < need) {
              CameraError e = CameraError::refused("shared", static_cast<double>(sharedBytes), static_cast<double>(need),
                                                   static_cast<double>(need), "bytes in the SharedArrayBuffer");
              e.code = ErrorCode::BadArgument;
              throw e;
            }
            pool = Pool::over(shared, buffers, frameBytes);
          }
          dev->startAcquisition();
          Napi::ThreadSafeFunction wake = self->tsfn_;
          self->acquisition_ = std::make_unique<Acquisition>(*dev, mode, buffers, frameBytes, pool,
                                                             [wake]() mutable { wake.NonBlockingCall(); });
          self->pool_ = pool;
          self->frameBytes_ = frameBytes;
          self->acquisition_->start();
          (*geometry)[0] = w, (*geometry)[1] = h, (*geometry)[2] = static_cast<double>(frameBytes);
        },
        [=](Napi::Env env) -> Napi::Value {
          Napi::Object o = Napi::Object::New(env);
          o.Set("width", (*geometry)[0]);
          o.Set("height", (*geometry)[1]);
          o.Set("pixelFormat", pixelFormatName(*fmt));
          o.Set("frameBytes", (*geometry)[2]);
          o.Set("slotOffset", static_cast<double>(Pool::headerBytes(buffers)));
          o.Set("slotStride", static_cast<double>(Pool::strideFor(static_cast<size_t>((*geometry)[2]))));
          return o;
        },
        Value(),
        [self](Napi::Env) {
          self->started_ = false;
          self->tsfn_.Release();
          self->tsfn_ = Napi::ThreadSafeFunction();
          self->sharedRef_.Reset();
        });
  }

  // take(): a frame, undefined when none is ready yet (wake will be called), null at the end; throws when the camera failed.
  Napi::Value take(const Napi::CallbackInfo& cb) {
    Napi::Env env = cb.Env();
    if (!acquisition_) return env.Null();
    ReadyFrame f;
    ErrorCode code;
    std::string error;
    switch (acquisition_->take(f, code, error)) {
      case Acquisition::Take::Empty: return env.Undefined();
      case Acquisition::Take::End: return env.Null();
      case Acquisition::Take::Failed: throwJs(env, CameraError(code, error));
      case Acquisition::Take::Frame: break;
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("seq", static_cast<double>(f.seq));
    o.Set("frameId", static_cast<double>(f.info.frameId));
    o.Set("cameraTs", Napi::BigInt::New(env, f.info.cameraTs));
    o.Set("hostNs", Napi::BigInt::New(env, f.info.hostNs));
    size_t bytes = frameBytes_;
    if (f.slot >= 0) o.Set("slot", f.slot);
    if (pool_ == nullptr) {
      // The consumer owns this memory now; when it is collected the block is reused.
      // (V8 counts an ArrayBuffer's backing store as external memory by itself.)
      auto* back = new std::shared_ptr<Recycler>(acquisition_->recycler);
      o.Set("data", Napi::Buffer<uint8_t>::New(
                        env, f.data, bytes,
                        [](Napi::Env, uint8_t* data, std::shared_ptr<Recycler>* r) {
                          (*r)->put(data);
                          delete r;
                        },
                        back));
    } else if (pool_->owned != nullptr) {
      // One view per slot, made once: a new view per frame would count the slot again as
      // external memory each time and bring on needless full collections.
      if (slotViews_.size() != static_cast<size_t>(pool_->slots)) {
        slotViews_.clear();
        slotViews_.resize(static_cast<size_t>(pool_->slots));
      }
      Napi::Reference<Napi::Buffer<uint8_t>>& view = slotViews_[static_cast<size_t>(f.slot)];
      if (view.IsEmpty()) {
        // The view keeps the pool's memory alive; the slot itself returns only through release().
        auto* keep = new std::shared_ptr<Pool>(pool_);
        view = Napi::Persistent(Napi::Buffer<uint8_t>::New(
            env, f.data, bytes, [](Napi::Env, uint8_t*, std::shared_ptr<Pool>* k) { delete k; }, keep));
      }
      o.Set("data", view.Value());
    }
    return o;
  }

  Napi::Value release(const Napi::CallbackInfo& cb) {
    if (pool_) pool_->release(cb[0].As<Napi::Number>().Int32Value());
    return cb.Env().Undefined();
  }

  Napi::Value counters(const Napi::CallbackInfo& cb) {
    Napi::Object o = Napi::Object::New(cb.Env());
    o.Set("delivered", acquisition_ ? static_cast<double>(acquisition_->delivered) : 0.0);
    o.Set("dropped", acquisition_ ? static_cast<double>(acquisition_->dropped) : 0.0);
    return o;
  }

  Napi::Value stop(const Napi::CallbackInfo& cb) {
    Napi::Env env = cb.Env();
    if (!started_) return Task::run(env, [] {}, nullptr, Value());
    auto self = this;
    Device* dev = device_.get();
    Acquisition* acq = acquisition_.get();
    started_ = false;
    auto finish = [self](Napi::Env env) -> Napi::Value {
      if (self->tsfn_) self->tsfn_.Release();
      self->tsfn_ = Napi::ThreadSafeFunction();
      self->sharedRef_.Reset();
      return env.Undefined();
    };
    return Task::run(
        env,
        [=] {
          if (acq) acq->stop();
          std::lock_guard<std::mutex> l(ctl_);
          if (dev) dev->stopAcquisition();
        },
        finish, Value(), [finish](Napi::Env env) { finish(env); });
  }

  Napi::Value close(const Napi::CallbackInfo& cb) {
    Napi::Env env = cb.Env();
    if (started_) throwJs(env, CameraError(ErrorCode::BadState, "stop the camera before closing it"));
    auto self = this;
    return Task::run(
        env,
        [self] {
          std::lock_guard<std::mutex> l(self->ctl_);
          self->acquisition_.reset();
          self->device_.reset();
        },
        nullptr, Value());
  }

  std::unique_ptr<Device> device_;
  std::mutex ctl_;
  std::unique_ptr<Acquisition> acquisition_;
  std::shared_ptr<Pool> pool_;
  std::vector<Napi::Reference<Napi::Buffer<uint8_t>>> slotViews_;
  Napi::ThreadSafeFunction tsfn_;
  Napi::ObjectReference sharedRef_;
  bool started_ = false;
  size_t frameBytes_ = 0;
};

Napi::Value backends(const Napi::CallbackInfo& cb) {
  const auto& all = builtBackends();
  Napi::Array a = Napi::Array::New(cb.Env(), all.size());
  for (size_t i = 0; i < all.size(); i++) a.Set(i, all[i].name);
  return a;
}

Napi::Value listDevices(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  const Backend* backend;
  try {
    backend = &findBackend(cb[0].As<Napi::String>());
  } catch (const CameraError& e) {
    throwJs(env, e);
  }
  auto found = std::make_shared<std::vector<DeviceInfo>>();
  return Task::run(env, [=] { *found = backend->list(); }, [=](Napi::Env env) -> Napi::Value {
    Napi::Array a = Napi::Array::New(env, found->size());
    for (size_t i = 0; i < found->size(); i++) a.Set(i, deviceToJs(env, (*found)[i]));
    return a;
  });
}

// open(backend, idOrSerial, options): resolves with a NativeCamera.
Napi::Value open(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  const Backend* backend;
  try {
    backend = &findBackend(cb[0].As<Napi::String>());
  } catch (const CameraError& e) {
    throwJs(env, e);
  }
  std::string id = cb[1].As<Napi::String>();
  Options options;
  if (cb.Length() > 2 && cb[2].IsObject()) {
    Napi::Object o = cb[2].As<Napi::Object>();
    Napi::Array keys = o.GetPropertyNames();
    for (uint32_t i = 0; i < keys.Length(); i++) {
      std::string k = keys.Get(i).As<Napi::String>();
      Napi::Value v = o.Get(k);
      if (v.IsNumber()) options[k] = v.As<Napi::Number>().DoubleValue();
    }
  }
  auto opened = std::make_shared<std::unique_ptr<Device>>();
  return Task::run(env, [=] { *opened = backend->open(id, options); }, [=](Napi::Env env) -> Napi::Value {
    AddonData* data = env.GetInstanceData<AddonData>();
    return data->cameraClass.New({Napi::External<Device>::New(env, opened->release())});
  });
}

// convertPixels(pixelFormat, bytes, width, height, debayer): a frame from the bytes a camera
// sends, converted as the backends convert theirs (packed formats unpacked, Bayer debayered).
Napi::Value convertPixels(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  try {
    FrameLayout layout{parsePixelFormat(cb[0].As<Napi::String>()), cb[2].As<Napi::Number>().Int32Value(),
                       cb[3].As<Napi::Number>().Int32Value(), cb.Length() > 4 && cb[4].ToBoolean()};
    Napi::Uint8Array src = cb[1].As<Napi::Uint8Array>();
    if (layout.width < 0 || layout.height < 0 || src.ByteLength() < layout.wireBytes()) {
      CameraError e = CameraError::refused("bytes", static_cast<double>(src.ByteLength()), static_cast<double>(layout.wireBytes()),
                                           static_cast<double>(layout.wireBytes()), "bytes of this frame as the camera sends it");
      e.code = ErrorCode::BadArgument;
      throw e;
    }
    Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, layout.frameBytes());
    convertFrame(layout, src.Data(), out.Data());
    return out;
  } catch (const CameraError& e) {
    throwJs(env, e);
  }
}

}  // namespace

Napi::Object init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  data->cameraClass = Napi::Persistent(CameraWrap::define(env));
  env.SetInstanceData(data);
  exports.Set("backends", Napi::Function::New(env, backends));
  exports.Set("listDevices", Napi::Function::New(env, listDevices));
  exports.Set("open", Napi::Function::New(env, open));
  exports.Set("fileLock", Napi::Function::New(env, fileLock));
  exports.Set("convertPixels", Napi::Function::New(env, convertPixels));
  return exports;
}

}  // namespace patchbay

static Napi::Object InitPatchbayCamera(Napi::Env env, Napi::Object exports) { return patchbay::init(env, exports); }

NODE_API_MODULE(patchbay_camera, InitPatchbayCamera)
