// The JavaScript binding: backends, device lists, and a Camera object whose slow calls
// (open, settings, start, stop) run on libuv's thread pool and return promises, and
// whose frames come from the grab thread through one thread-safe wake-up call.
#include <cmath>
#include <napi.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "acquisition.h"
#include "device.h"
#include "file-lock.h"
#include "malloc-tuning.h"
#include "fft2.h"
#include "shared-map.h"

#ifdef PATCHBAY_WITH_PYLON
// pylon's platform header goes before any GenICam one (pylon/Platform.h says why).
#include <pylon/Platform.h>
#include <Base/GCException.h>
#endif

namespace patchbay {
namespace {

Napi::Value featureToJs(Napi::Env env, const FeatureValue& v) {
  switch (v.kind) {
    case FeatureValue::Kind::Number: return Napi::Number::New(env, v.number);
    case FeatureValue::Kind::Text: return Napi::String::New(env, v.text);
    case FeatureValue::Kind::Flag: return Napi::Boolean::New(env, v.flag);
  }
  return env.Undefined();
}

Napi::Object featureInfoToJs(Napi::Env env, const FeatureInfo& f) {
  static const char* const types[] = {"Integer", "Float", "Enumeration", "Boolean", "String", "Command"};
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", types[static_cast<int>(f.type)]);
  o.Set("available", f.available);
  o.Set("readable", f.readable);
  o.Set("writable", f.writable);
  if (f.type == FeatureInfo::Type::Integer || f.type == FeatureInfo::Type::Float) {
    o.Set("min", f.min);
    o.Set("max", f.max);
    if (f.increment > 0) o.Set("increment", f.increment);
  }
  if (f.type == FeatureInfo::Type::Enumeration) {
    Napi::Array a = Napi::Array::New(env, f.entries.size());
    for (size_t i = 0; i < f.entries.size(); i++) a.Set(i, f.entries[i]);
    o.Set("entries", a);
  }
  return o;
}

Napi::Error toJsError(Napi::Env env, const CameraError& e) {
  Napi::Error error = Napi::Error::New(env, e.what());
  Napi::Object o = error.Value();
  o.Set("code", codeName(e.code));
  if (!e.param.empty()) o.Set("param", e.param);
  if (e.hasValue) o.Set("value", featureToJs(env, e.value));
  if (e.hasRange) {
    o.Set("min", e.min);
    o.Set("max", e.max);
  }
  if (e.hasIncrement) o.Set("increment", e.increment);
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

// One start's acquisition, with what must outlive its grab thread: the wake-up call and the
// SharedArrayBuffer it writes into. Those two are N-API handles: released on the event loop
// only, once the thread has been joined (by stop) or when the start failed.
struct Run {
  Napi::ThreadSafeFunction wake;
  Napi::ObjectReference shared;
  std::unique_ptr<Acquisition> acquisition;
  std::shared_ptr<Pool> pool;
  size_t frameBytes = 0;
  bool released = false;
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
    info_ = device_->info();
  }

  ~CameraWrap() override {
    // A call's task holds this object until it settles, but at exit the environment goes first:
    // let the calls already queued finish before their object does.
    std::unique_lock<std::mutex> lock(ctl_);
    turn_.wait(lock, [this] { return serving_ == nextTicket_; });
    if (acquiring_) acquiring_->acquisition->stop();
    acquiring_.reset();
    lock.unlock();
    for (auto& run : std::vector<std::shared_ptr<Run>>(runs_)) finish(run);
  }

 private:
  // The control calls (start, stop, close, control) run on libuv's threads one at a time, in the
  // order JavaScript made them: each takes a ticket when called and waits under ctl_ for its
  // turn, so calls nobody awaited neither overlap nor overtake one another. Tasks leave libuv's
  // queue in the order they entered it, so the ticket being served is always running.
  Napi::Promise serially(Napi::Env env, Task::Work work, Task::Done done, Task::Fail fail = nullptr) {
    uint64_t ticket = nextTicket_++;
    auto self = this;
    Task::Work inTurn = [self, ticket, work = std::move(work)] {
      std::unique_lock<std::mutex> lock(self->ctl_);
      self->turn_.wait(lock, [&] { return self->serving_ == ticket; });
      struct Next {
        CameraWrap* self;
        ~Next() {
          self->serving_++;
          self->turn_.notify_all();
        }
      } next{self};
      work();
    };
    return Task::run(env, std::move(inTurn), std::move(done), Value(), std::move(fail));
  }

  // In a control call's turn only.
  Device& openDevice() {
    if (!device_) throw CameraError(ErrorCode::BadState, "the camera is closed");
    return *device_;
  }

  // Event loop only: gives back a run's N-API handles, once.
  void finish(const std::shared_ptr<Run>& run) {
    if (!run->released) {
      run->released = true;
      run->wake.Release();
      run->shared.Reset();
    }
    runs_.erase(std::remove(runs_.begin(), runs_.end(), run), runs_.end());
  }

  Napi::Value info(const Napi::CallbackInfo& cb) { return deviceToJs(cb.Env(), info_); }

  // control(op, name?, value?): get / set / range of a numeric setting, getFormat / setFormat,
  // features (the names), describeFeature / getFeature / setFeature / loadFeatureFile.
  Napi::Value control(const Napi::CallbackInfo& cb) {
    Napi::Env env = cb.Env();
    std::string op = cb[0].As<Napi::String>();
    std::string name = cb.Length() > 1 && cb[1].IsString() ? cb[1].As<Napi::String>().Utf8Value() : "";
    bool geometry = name == "width" || name == "height" || name == "offsetX" || name == "offsetY" || op == "setFormat" ||
                    (op == "setFeature" && changesFrames(name)) || op == "loadFeatureFile";
    auto result = std::make_shared<double>(0);
    auto range = std::make_shared<Range>(Range{0, 0});
    auto text = std::make_shared<std::string>();
    auto feature = std::make_shared<FeatureValue>();
    auto names = std::make_shared<std::vector<std::string>>();
    auto described = std::make_shared<FeatureInfo>();
    std::function<void(Device&)> use;
    if (op == "get") use = [=](Device& dev) { *result = dev.get(name); };
    else if (op == "range") use = [=](Device& dev) { *range = dev.range(name); };
    else if (op == "set") {
      double v = cb[2].As<Napi::Number>();
      use = [=](Device& dev) { dev.set(name, v); *result = dev.get(name); };
    } else if (op == "getFormat") use = [=](Device& dev) { *text = pixelFormatName(dev.pixelFormat()); };
    else if (op == "setFormat") {
      std::string v = cb[1].As<Napi::String>();
      use = [=](Device& dev) { dev.setPixelFormat(parsePixelFormat(v)); *text = v; };
    } else if (op == "features") use = [=](Device& dev) { *names = dev.featureNames(); };
    else if (op == "getFeature") use = [=](Device& dev) { *feature = dev.getFeature(name); };
    else if (op == "describeFeature") use = [=](Device& dev) { *described = dev.describeFeature(name); };
    else if (op == "setFeature") {
      FeatureValue v = featureFromJs(env, name, cb[2]);
      use = [=](Device& dev) { dev.setFeature(name, v); };
    } else if (op == "loadFeatureFile") use = [=](Device& dev) { dev.loadFeatureFile(name); };
    else throwJs(env, CameraError(ErrorCode::BadArgument, "unknown control operation " + op));
    auto self = this;
    return serially(env, [=] {
      Device& dev = self->openDevice();
      if (self->acquiring_ && (op == "set" || op == "setFormat" || op == "setFeature" || op == "loadFeatureFile") && geometry) {
        std::string what = op == "loadFeatureFile" ? "a feature file" : name.empty() ? "pixelFormat" : name;
        CameraError e(ErrorCode::BadState, what + " can't change while acquiring: stop first");
        e.param = op == "loadFeatureFile" ? "featureFile" : name.empty() ? "pixelFormat" : name;
        throw e;
      }
      use(dev);
    }, [=](Napi::Env env) -> Napi::Value {
      if (op == "range") {
        Napi::Object o = Napi::Object::New(env);
        o.Set("min", range->min);
        o.Set("max", range->max);
        if (range->increment > 1) o.Set("increment", range->increment);
        return o;
      }
      if (op == "getFormat" || op == "setFormat") return Napi::String::New(env, *text);
      if (op == "features") {
        Napi::Array a = Napi::Array::New(env, names->size());
        for (size_t i = 0; i < names->size(); i++) a.Set(i, (*names)[i]);
        return a;
      }
      if (op == "getFeature") return featureToJs(env, *feature);
      if (op == "describeFeature") return featureInfoToJs(env, *described);
      if (op == "setFeature" || op == "loadFeatureFile") return env.Undefined();
      return Napi::Number::New(env, *result);
    });
  }

  // Features that change the size of a frame: never while acquiring (a pylon .pfs file may hold any of them).
  static bool changesFrames(const std::string& name) {
    static const char* const names[] = {"Width", "Height", "PixelFormat", "BinningHorizontal", "BinningVertical",
                                        "DecimationHorizontal", "DecimationVertical"};
    for (const char* n : names)
      if (name == n) return true;
    return false;
  }

  static FeatureValue featureFromJs(Napi::Env env, const std::string& name, const Napi::Value& v) {
    if (v.IsNumber()) return FeatureValue::of(v.As<Napi::Number>().DoubleValue());
    if (v.IsString()) return FeatureValue::of(v.As<Napi::String>().Utf8Value());
    if (v.IsBoolean()) return FeatureValue::flagOf(v.As<Napi::Boolean>().Value());
    CameraError e(ErrorCode::BadArgument, "feature " + name + ": a value must be a number, a text or true/false");
    e.param = name;
    throwJs(env, e);
  }

  // start({mode, buffers, shared?}, wake): resolves with the frame geometry and pool layout.
  Napi::Value start(const Napi::CallbackInfo& cb) {
    Napi::Env env = cb.Env();
    Napi::Object opts = cb[0].As<Napi::Object>();
    std::string modeName = opts.Get("mode").As<Napi::String>();
    int buffers = opts.Get("buffers").As<Napi::Number>().Int32Value();
    // ahead (pool and shared modes): an integer from 1 to buffers; absent, buffers.
    double aheadAsked = opts.Has("ahead") && !opts.Get("ahead").IsUndefined() ? opts.Get("ahead").ToNumber().DoubleValue() : 0;
    bool debayer = opts.Has("debayer") && opts.Get("debayer").ToBoolean();
    Delivery mode = modeName == "pool" ? Delivery::Pool : modeName == "shared" ? Delivery::Shared : Delivery::Owned;
    if (buffers < 1 || buffers > 4096) {
      CameraError e = CameraError::refused("buffers", buffers, 1, 4096, "frames in flight");
      e.code = ErrorCode::BadArgument;
      throwJs(env, e);
    }
    if (!(aheadAsked >= 0 && aheadAsked <= buffers && aheadAsked == std::floor(aheadAsked)) ||
        (opts.Has("ahead") && !opts.Get("ahead").IsUndefined() && aheadAsked < 1)) {
      CameraError e = CameraError::refused("ahead", aheadAsked, 1, buffers, "frames waiting to be taken (at most buffers)");
      e.code = ErrorCode::BadArgument;
      throwJs(env, e);
    }
    const int ahead = mode == Delivery::Owned ? 0 : static_cast<int>(aheadAsked);
    auto run = std::make_shared<Run>();
    uint8_t* shared = nullptr;
    size_t sharedBytes = 0;
    if (mode == Delivery::Shared) {
      Napi::TypedArray view = opts.Get("shared").As<Napi::TypedArray>();
      Napi::Uint8Array bytes = view.As<Napi::Uint8Array>();
      shared = bytes.Data();
      sharedBytes = bytes.ByteLength();
      run->shared = Napi::Persistent(view.As<Napi::Object>());
    }
    run->wake = Napi::ThreadSafeFunction::New(env, cb[1].As<Napi::Function>(), "patchbay-camera-wake", 0, 1);
    runs_.push_back(run);
    auto geometry = std::make_shared<std::array<double, 4>>();
    auto fmt = std::make_shared<PixelFormat>(PixelFormat::Mono8);
    auto self = this;
    return serially(
        env,
        [=] {
          Device* dev = &self->openDevice();
          if (self->acquiring_) throw CameraError(ErrorCode::BadState, "the camera is already acquiring");
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
          Napi::ThreadSafeFunction wake = run->wake;
          run->acquisition = std::make_unique<Acquisition>(
              *dev, mode, buffers, frameBytes, pool, [wake]() mutable { wake.NonBlockingCall(); }, ahead);
          run->pool = pool;
          run->frameBytes = frameBytes;
          run->acquisition->start();
          self->acquiring_ = run;
          (*geometry)[0] = w, (*geometry)[1] = h, (*geometry)[2] = static_cast<double>(frameBytes);
          (*geometry)[3] = static_cast<double>(dev->timestampTickHz());
        },
        [=](Napi::Env env) -> Napi::Value {
          // From now on take() reads this run; the frames of the one before are given up.
          self->live_ = run;
          self->slotViews_.clear();
          Napi::Object o = Napi::Object::New(env);
          o.Set("width", (*geometry)[0]);
          o.Set("height", (*geometry)[1]);
          o.Set("pixelFormat", pixelFormatName(*fmt));
          o.Set("frameBytes", (*geometry)[2]);
          o.Set("timestampTickHz", (*geometry)[3]);
          o.Set("slotOffset", static_cast<double>(Pool::headerBytes(buffers)));
          o.Set("slotStride", static_cast<double>(Pool::strideFor(static_cast<size_t>((*geometry)[2]))));
          return o;
        },
        [self, run](Napi::Env) { self->finish(run); });
  }

  // take(): a frame, undefined when none is ready yet (wake will be called), null at the end; throws when the camera failed.
  Napi::Value take(const Napi::CallbackInfo& cb) {
    Napi::Env env = cb.Env();
    if (!live_ || !live_->acquisition) return env.Null();
    Acquisition& acquisition = *live_->acquisition;
    const std::shared_ptr<Pool>& pool = live_->pool;
    ReadyFrame f;
    ErrorCode code;
    std::string error;
    switch (acquisition.take(f, code, error)) {
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
    size_t bytes = live_->frameBytes;
    if (f.slot >= 0) o.Set("slot", f.slot);
    if (pool == nullptr) {
      // The consumer owns this memory now; when it is collected the block is reused.
      // (V8 counts an ArrayBuffer's backing store as external memory by itself.)
      auto* back = new std::shared_ptr<Recycler>(acquisition.recycler);
      o.Set("data", Napi::Buffer<uint8_t>::New(
                        env, f.data, bytes,
                        [](Napi::Env, uint8_t* data, std::shared_ptr<Recycler>* r) {
                          (*r)->put(data);
                          delete r;
                        },
                        back));
    } else if (pool->owned != nullptr) {
      // One view per slot, made once: a new view per frame would count the slot again as
      // external memory each time and bring on needless full collections.
      if (slotViews_.size() != static_cast<size_t>(pool->slots)) {
        slotViews_.clear();
        slotViews_.resize(static_cast<size_t>(pool->slots));
      }
      Napi::Reference<Napi::Buffer<uint8_t>>& view = slotViews_[static_cast<size_t>(f.slot)];
      if (view.IsEmpty()) {
        // The view keeps the pool's memory alive; the slot itself returns only through release().
        auto* keep = new std::shared_ptr<Pool>(pool);
        view = Napi::Persistent(Napi::Buffer<uint8_t>::New(
            env, f.data, bytes, [](Napi::Env, uint8_t*, std::shared_ptr<Pool>* k) { delete k; }, keep));
      }
      o.Set("data", view.Value());
    }
    return o;
  }

  Napi::Value release(const Napi::CallbackInfo& cb) {
    if (live_ && live_->pool) live_->pool->release(cb[0].As<Napi::Number>().Int32Value());
    return cb.Env().Undefined();
  }

  Napi::Value counters(const Napi::CallbackInfo& cb) {
    Napi::Object o = Napi::Object::New(cb.Env());
    Acquisition* acquisition = live_ ? live_->acquisition.get() : nullptr;
    o.Set("delivered", acquisition ? static_cast<double>(acquisition->delivered) : 0.0);
    o.Set("dropped", acquisition ? static_cast<double>(acquisition->dropped) : 0.0);
    return o;
  }

  // stop(): joins the grab thread, then releases that run's wake-up call (never a later start's).
  Napi::Value stop(const Napi::CallbackInfo& cb) {
    auto self = this;
    auto stopped = std::make_shared<std::shared_ptr<Run>>();
    auto finish = [self, stopped](Napi::Env env) -> Napi::Value {
      if (*stopped) self->finish(*stopped);
      return env.Undefined();
    };
    return serially(
        cb.Env(),
        [self, stopped] {
          *stopped = std::move(self->acquiring_);
          if (!*stopped) return;
          (*stopped)->acquisition->stop();
          self->openDevice().stopAcquisition();
        },
        finish, [finish](Napi::Env env) { finish(env); });
  }

  Napi::Value close(const Napi::CallbackInfo& cb) {
    auto self = this;
    return serially(
        cb.Env(),
        [self] {
          if (self->acquiring_) throw CameraError(ErrorCode::BadState, "stop the camera before closing it");
          self->device_.reset();
        },
        nullptr);
  }

  // ctl_ guards the turns and, in a call's turn, the state the calls leave to one another.
  std::mutex ctl_;
  std::condition_variable turn_;
  uint64_t serving_ = 0;
  std::unique_ptr<Device> device_;
  std::shared_ptr<Run> acquiring_;  // started and not yet stopped
  // Event loop only.
  uint64_t nextTicket_ = 0;
  DeviceInfo info_;
  std::shared_ptr<Run> live_;  // the run take() reads: the last one started
  std::vector<std::shared_ptr<Run>> runs_;  // runs whose handles are not yet released
  std::vector<Napi::Reference<Napi::Buffer<uint8_t>>> slotViews_;
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
  exports.Set("tuneMalloc", Napi::Function::New(env, tuneMalloc));
  exports.Set("mallocInfo", Napi::Function::New(env, mallocInfo));
  exports.Set("mapFile", Napi::Function::New(env, mapFile));
  exports.Set("fft2Native", Napi::Function::New(env, fft2Native));
  exports.Set("fft2Isa", Napi::Function::New(env, fft2Isa));
  exports.Set("fft2", Napi::Function::New(env, fft2));
  exports.Set("address", Napi::Function::New(env, address));
  return exports;
}

}  // namespace patchbay

static Napi::Object InitPatchbayCamera(Napi::Env env, Napi::Object exports) { return patchbay::init(env, exports); }

NODE_API_MODULE(patchbay_camera, InitPatchbayCamera)
