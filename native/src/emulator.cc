// A camera with no hardware: Gaussian particles in Brownian motion on a noisy
// background, like a nanoparticle-tracking microscope. Fast enough to stand in for a
// real camera in benches: the noise comes from a table built once per setting and
// copied row by row from random offsets, and each particle is drawn only in its
// 3-sigma neighbourhood.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <regex>
#include <thread>

#include "device.h"

namespace patchbay {
namespace {

using Clock = std::chrono::steady_clock;

// splitmix64: seeds well from small integers and is cheap enough for per-row offsets.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  double normal() {
    double u1 = std::max(uniform(), 1e-300), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
};

struct Particle {
  double x, y, sigma, amp;
};

constexpr int kSensor = 16384;
// Brightness is relative to this exposure; noise to 0 dB of gain.
constexpr double kRefExposureUs = 5000;
constexpr double kBackground = 12, kNoise = 2.5, kStepPx = 0.7;
// Where auto exposure puts the background (of 255).
constexpr double kAutoLevel = 40;

struct Settings {
  int width = 640, height = 480, offsetX = 0, offsetY = 0;
  double fps = 30, exposureUs = kRefExposureUs, gain = 0;
  PixelFormat format = PixelFormat::Mono8;
  // TriggerMode On: a frame per software trigger (TriggerSoftware), none from a line (it has none wired).
  bool triggered = false;
  std::string triggerSource = "Software", triggerActivation = "RisingEdge";
  // Binning sums binH x binV sensor pixels into one: a smaller field, brighter pixels.
  int binH = 1, binV = 1;
  std::string exposureAuto = "Off", gainAuto = "Off";
};

class Emulator final : public Device {
 public:
  Emulator(std::string id, const Options& o) : id_(std::move(id)) {
    auto opt = [&](const char* k, double d) {
      auto it = o.find(k);
      return it == o.end() ? d : it->second;
    };
    seed_ = static_cast<uint64_t>(opt("seed", 1));
    nParticles_ = static_cast<int>(opt("particles", 20));
    failAfter_ = static_cast<int64_t>(opt("failAfterFrames", -1));
    // Not in the Camera node's declaration: lets tests have a sensor whose ROI moves in steps, as real ones do.
    roiStep_ = static_cast<int>(opt("roiStep", 1));
    if (roiStep_ < 1 || roiStep_ > 64) throw CameraError::refused("roiStep", roiStep_, 1, 64, "");
    s_.width = s_.width / roiStep_ * roiStep_, s_.height = s_.height / roiStep_ * roiStep_;
    if (nParticles_ < 0 || nParticles_ > 100000) throw CameraError::refused("particles", nParticles_, 0, 100000, "");
  }

  DeviceInfo info() override { return {"emulator", id_, serialOf(id_), "patchbay", "Particle emulator", "none"}; }

  double get(const std::string& name) override {
    std::lock_guard<std::mutex> lock(m_);
    if (name == "width") return s_.width;
    if (name == "height") return s_.height;
    if (name == "offsetX") return s_.offsetX;
    if (name == "offsetY") return s_.offsetY;
    if (name == "fps") return s_.fps;
    if (name == "exposureUs") return s_.exposureUs;
    if (name == "gain") return s_.gain;
    throw unknown(name);
  }

  Range range(const std::string& name) override {
    std::lock_guard<std::mutex> lock(m_);
    return rangeLocked(name);
  }

  void set(const std::string& name, double v) override {
    std::lock_guard<std::mutex> lock(m_);
    Range r = rangeLocked(name);
    bool integer = isInteger(name);
    if (!(v >= r.min && v <= r.max) || (integer && v != std::floor(v)))
      throw CameraError::refused(name, v, r.min, r.max, integer ? "a whole number" : "");
    if (r.increment > 1 && std::fmod(v - r.min, r.increment) != 0) {
      CameraError e = CameraError::refused(name, v, r.min, r.max, "in steps of " + std::to_string(static_cast<int>(r.increment)));
      e.increment = r.increment, e.hasIncrement = true;
      throw e;
    }
    if ((name == "exposureUs" && s_.exposureAuto != "Off") || (name == "gain" && s_.gainAuto != "Off"))
      throw CameraError::refused(name, v, r.min, r.max, (name == "gain" ? "GainAuto is " + s_.gainAuto : "ExposureAuto is " + s_.exposureAuto));
    if (name == "width") s_.width = static_cast<int>(v);
    else if (name == "height") s_.height = static_cast<int>(v);
    else if (name == "offsetX") s_.offsetX = static_cast<int>(v);
    else if (name == "offsetY") s_.offsetY = static_cast<int>(v);
    else if (name == "fps") s_.fps = v;
    else if (name == "exposureUs") s_.exposureUs = v, dirty_ = true;
    else if (name == "gain") s_.gain = v, dirty_ = true;
  }

  PixelFormat pixelFormat() override {
    std::lock_guard<std::mutex> lock(m_);
    return s_.format;
  }
  void setPixelFormat(PixelFormat f) override {
    std::lock_guard<std::mutex> lock(m_);
    s_.format = f;
    dirty_ = true;
  }

  // The GenICam features the emulator has (docs/camera.md), by their standard (SFNC) names, so a
  // graph's `features:` can be tried without a camera.
  std::vector<std::string> featureNames() override {
    std::vector<std::string> names{"DeviceVendorName", "DeviceModelName", "DeviceUserID", "SensorWidth", "SensorHeight",
                                   "PixelFormat",      "TriggerSelector", "TriggerMode",  "TriggerSource", "TriggerActivation",
                                   "TriggerSoftware",  "BinningHorizontal", "BinningVertical", "ExposureAuto", "GainAuto"};
    for (const auto& [feature, setting] : kNumericFeatures) names.push_back(feature);
    return names;
  }

  FeatureInfo describeFeature(const std::string& name) override {
    FeatureInfo f;
    using Type = FeatureInfo::Type;
    if (const char* setting = numericSetting(name)) {
      std::lock_guard<std::mutex> lock(m_);
      Range r = rangeLocked(setting);
      const bool integer = isInteger(setting);
      f.type = integer ? Type::Integer : Type::Float;
      f.min = r.min, f.max = r.max, f.increment = integer ? std::max(1.0, r.increment) : 0;
      // An auto mode owns its value (SFNC: ExposureTime is not writable while ExposureAuto is on).
      f.writable = !((name == "ExposureTime" && s_.exposureAuto != "Off") || (name == "Gain" && s_.gainAuto != "Off"));
    } else if (name == "BinningHorizontal" || name == "BinningVertical") {
      f.type = Type::Integer;
      f.min = 1, f.max = kMaxBinning, f.increment = 1;
    } else if (name == "PixelFormat") {
      f.type = Type::Enumeration;
      f.entries = pixelFormatNames();
    } else if (name == "SensorWidth" || name == "SensorHeight") {
      f.type = Type::Integer;
      f.min = f.max = kSensor;
      f.writable = false;
    } else if (name == "DeviceVendorName" || name == "DeviceModelName") {
      f.type = Type::String;
      f.writable = false;
    } else if (name == "DeviceUserID") {
      f.type = Type::String;
    } else if (const std::vector<std::string>* entries = triggerEntries(name)) {
      f.type = Type::Enumeration;
      f.entries = *entries;
    } else if (name == "ExposureAuto" || name == "GainAuto") {
      f.type = Type::Enumeration;
      f.entries = {"Off", "Once", "Continuous"};
    } else if (name == "TriggerSoftware") {
      std::lock_guard<std::mutex> lock(m_);
      f.type = Type::Command;
      f.readable = false;
      f.available = s_.triggered && s_.triggerSource == "Software";
    } else {
      throw unknownFeature(name);
    }
    return f;
  }

  FeatureValue readFeature(const std::string& name, const FeatureInfo&) override {
    if (const char* setting = numericSetting(name)) return FeatureValue::of(get(setting));
    if (name == "PixelFormat") return FeatureValue::of(std::string(pixelFormatName(pixelFormat())));
    if (name == "SensorWidth" || name == "SensorHeight") return FeatureValue::of(static_cast<double>(kSensor));
    DeviceInfo d = info();
    if (name == "DeviceVendorName") return FeatureValue::of(d.vendor);
    if (name == "DeviceModelName") return FeatureValue::of(d.model);
    std::lock_guard<std::mutex> lock(m_);
    if (name == "TriggerSelector") return FeatureValue::of(std::string("FrameStart"));
    if (name == "TriggerMode") return FeatureValue::of(std::string(s_.triggered ? "On" : "Off"));
    if (name == "BinningHorizontal") return FeatureValue::of(static_cast<double>(s_.binH));
    if (name == "BinningVertical") return FeatureValue::of(static_cast<double>(s_.binV));
    if (name == "ExposureAuto") return FeatureValue::of(s_.exposureAuto);
    if (name == "GainAuto") return FeatureValue::of(s_.gainAuto);
    if (name == "TriggerSource") return FeatureValue::of(s_.triggerSource);
    if (name == "TriggerActivation") return FeatureValue::of(s_.triggerActivation);
    return FeatureValue::of(userId_);
  }

  void writeFeature(const std::string& name, const FeatureInfo&, const FeatureValue& v) override {
    if (const char* setting = numericSetting(name)) return set(setting, v.number);
    if (name == "PixelFormat") return setPixelFormat(parsePixelFormat(v.text));
    std::lock_guard<std::mutex> lock(m_);
    if (name == "TriggerMode") s_.triggered = v.text == "On", triggers_ = 0;
    else if (name == "TriggerSource") s_.triggerSource = v.text, triggers_ = 0;
    else if (name == "TriggerActivation") s_.triggerActivation = v.text;
    else if (name == "TriggerSoftware") triggers_++, triggered_.notify_all();
    else if (name == "DeviceUserID") userId_ = v.text;
    else if (name == "BinningHorizontal" || name == "BinningVertical") {
      (name == "BinningHorizontal" ? s_.binH : s_.binV) = static_cast<int>(v.number);
      // As cameras do, a region that no longer fits the binned sensor shrinks to fit.
      const int step = roiStep_;
      s_.width = std::min(s_.width, sensorWidth() / step * step), s_.height = std::min(s_.height, sensorHeight() / step * step);
      s_.offsetX = std::min(s_.offsetX, (sensorWidth() - s_.width) / step * step);
      s_.offsetY = std::min(s_.offsetY, (sensorHeight() - s_.height) / step * step);
      if (s_.exposureAuto != "Off") autoLocked();
      dirty_ = true;
    } else if (name == "ExposureAuto" || name == "GainAuto") {
      (name == "ExposureAuto" ? s_.exposureAuto : s_.gainAuto) = v.text;
      autoLocked();
    }
  }

  void startAcquisition() override {
    std::lock_guard<std::mutex> lock(m_);
    // Every start replays the same scene: the frames depend on the seed and the frame index only.
    Rng rng{seed_ * 0x100000001B3ull + 17};
    particles_.clear();
    for (int i = 0; i < nParticles_; i++)
      particles_.push_back({rng.uniform() * s_.width, rng.uniform() * s_.height, 1.2 + 1.8 * rng.uniform(),
                            80 + 140 * rng.uniform()});
    motion_ = Rng{seed_ * 0x9E3779B97F4A7C15ull + 3};
    frameIndex_ = 0;
    autoLocked();
    // A camera not acquiring ignores triggers.
    triggers_ = 0;
    dirty_ = true;
    start_ = Clock::now();
    next_ = start_;
  }

  void stopAcquisition() override {}

  // Triggered frames come when asked, room or not: one that finds none is dropped, as a camera's is.
  bool waitsForRoom() override {
    std::lock_guard<std::mutex> lock(m_);
    return s_.fps == 0 && !s_.triggered;
  }

  GrabStatus grab(uint8_t* dst, size_t frameBytes, GrabInfo& info, int timeoutMs, std::string& why) override {
    Settings s;
    {
      std::lock_guard<std::mutex> lock(m_);
      s = s_;
      if (dirty_ || tableWidth_ != s.width) rebuildTable(s);
      dirty_ = false;
    }
    if (s.triggered) {
      // A frame per trigger received, at once; a line trigger never comes (no line is wired).
      std::unique_lock<std::mutex> lock(m_);
      if (!triggered_.wait_for(lock, std::chrono::milliseconds(timeoutMs), [this] { return triggers_ > 0; }))
        return GrabStatus::Timeout;
      triggers_--;
    } else if (s.fps > 0) {
      auto now = Clock::now();
      auto deadline = now + std::chrono::milliseconds(timeoutMs);
      if (next_ > deadline) {
        std::this_thread::sleep_until(deadline);
        return GrabStatus::Timeout;
      }
      std::this_thread::sleep_until(next_);
    }
    if (failAfter_ >= 0 && static_cast<int64_t>(frameIndex_) >= failAfter_) {
      why = "emulated camera " + id_ + " unplugged after " + std::to_string(failAfter_) + " frames";
      return GrabStatus::Lost;
    }
    auto t = Clock::now();
    moveParticles(s);
    if (dst == nullptr && s.fps == 0) {
      // As fast as possible means as fast as rendering goes, dropped frames included;
      // waiting instead of rendering leaves the core to the consumer.
      std::this_thread::sleep_for(lastRender_);
    }
    if (dst != nullptr) {
      const FrameLayout& out = output();
      if (out.format != s.format || out.width != s.width || out.height != s.height || frameBytes != out.frameBytes()) {
        why = "frame size changed during acquisition";
        return GrabStatus::Lost;
      }
      renderFrame(dst, s, out);
      lastRender_ = Clock::now() - t;
    }
    info.frameId = frameIndex_++;
    info.cameraTs = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t - start_).count());
    info.hostNs = hostNowNs();
    info.cameraDrops = 0;
    if (s.fps > 0 && !s.triggered) {
      auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / s.fps));
      next_ += period;
      // A camera at a fixed rate does not catch up in a burst after a stall.
      if (Clock::now() > next_ + period) next_ = Clock::now() + period;
    }
    return GrabStatus::Ok;
  }

 private:
  static std::string serialOf(const std::string& id) { return "EMU" + id.substr(id.find('-') + 1); }

  CameraError unknown(const std::string& name) {
    CameraError e(ErrorCode::BadArgument, "unknown camera setting " + name);
    e.param = name;
    return e;
  }

  // The features that are the emulator's numeric settings under their GenICam names.
  static constexpr std::pair<const char*, const char*> kNumericFeatures[] = {
      {"Width", "width"},   {"Height", "height"},       {"OffsetX", "offsetX"},
      {"OffsetY", "offsetY"}, {"AcquisitionFrameRate", "fps"}, {"ExposureTime", "exposureUs"},
      {"Gain", "gain"}};

  static const char* numericSetting(const std::string& feature) {
    for (const auto& [f, setting] : kNumericFeatures)
      if (feature == f) return setting;
    return nullptr;
  }

  // The entries of the emulator's trigger enumerations; null for any other name.
  static const std::vector<std::string>* triggerEntries(const std::string& name) {
    static const std::vector<std::string> selector{"FrameStart"}, mode{"Off", "On"}, source{"Software", "Line0", "Line1"},
        activation{"RisingEdge", "FallingEdge"};
    if (name == "TriggerSelector") return &selector;
    if (name == "TriggerMode") return &mode;
    if (name == "TriggerSource") return &source;
    if (name == "TriggerActivation") return &activation;
    return nullptr;
  }

  // Auto exposure sets the exposure that puts the background at kAutoLevel (the scene never changes,
  // so Once and Continuous agree); auto gain keeps 0 dB, the least noise. Once is done once, then Off.
  void autoLocked() {
    if (s_.exposureAuto != "Off") {
      s_.exposureUs = std::clamp(kRefExposureUs * kAutoLevel / (kBackground * s_.binH * s_.binV), 1.0, 1e7);
      if (s_.exposureAuto == "Once") s_.exposureAuto = "Off";
      dirty_ = true;
    }
    if (s_.gainAuto != "Off") {
      s_.gain = 0;
      if (s_.gainAuto == "Once") s_.gainAuto = "Off";
      dirty_ = true;
    }
  }

  static bool isInteger(const std::string& setting) { return setting != "fps" && setting != "exposureUs" && setting != "gain"; }

  // The sensor as binning leaves it, and the ROI within it in steps of roiStep_.
  int sensorWidth() const { return kSensor / s_.binH; }
  int sensorHeight() const { return kSensor / s_.binV; }
  Range roi(int room, int min) const {
    const int step = roiStep_;
    return {static_cast<double>(min), static_cast<double>(room / step * step), static_cast<double>(step)};
  }

  Range rangeLocked(const std::string& name) {
    if (name == "width") return roi(sensorWidth() - s_.offsetX, roiStep_);
    if (name == "height") return roi(sensorHeight() - s_.offsetY, roiStep_);
    if (name == "offsetX") return roi(sensorWidth() - s_.width, 0);
    if (name == "offsetY") return roi(sensorHeight() - s_.height, 0);
    if (name == "fps") return {0, 100000};
    if (name == "exposureUs") return {1, 10000000};
    if (name == "gain") return {0, 48};
    throw unknown(name);
  }

  static double fullScale(PixelFormat f) { return std::ldexp(1.0, pixelBits(f)) - 1; }

  // Draws the frame the camera would send, then converts it as a real camera's is: packed
  // formats are packed and unpacked again, Bayer formats sampled from a colour scene.
  void renderFrame(uint8_t* dst, const Settings& s, const FrameLayout& out) {
    const size_t pixels = static_cast<size_t>(s.width) * s.height;
    const double full = fullScale(s.format);
    if (isPacked(s.format)) {
      samples16_.resize(pixels);
      wire_.resize(out.wireBytes());
      render<uint16_t>(samples16_.data(), s, table16_.data(), full, 1, kRgb);
      if (s.format == PixelFormat::Mono10p) packMono10p(samples16_.data(), pixels, wire_.data());
      else packMono12p(samples16_.data(), pixels, wire_.data());
      convertFrame(out, wire_.data(), dst);
    } else if (isBayer(s.format)) {
      // The scene in colour, then each pixel keeps the one colour its filter passes.
      scene_.resize(pixels * 3);
      render<uint8_t>(scene_.data(), s, table8_.data(), full, 3, kRgb);
      const char* pattern = bayerPattern(s.format);
      uint8_t* raw = out.debayer ? (wire_.resize(pixels), wire_.data()) : dst;
      for (int y = 0; y < s.height; y++)
        for (int x = 0; x < s.width; x++) {
          const char c = pattern[(y & 1) * 2 + (x & 1)];
          const size_t i = static_cast<size_t>(y) * s.width + x;
          raw[i] = scene_[3 * i + (c == 'R' ? 0 : c == 'G' ? 1 : 2)];
        }
      if (out.debayer) convertFrame(out, raw, dst);
    } else if (s.format == PixelFormat::RGB8 || s.format == PixelFormat::BGR8) {
      render<uint8_t>(dst, s, table8_.data(), full, 3, s.format == PixelFormat::RGB8 ? kRgb : kBgr);
    } else if (out.sampleBytes() == 1) {
      render<uint8_t>(dst, s, table8_.data(), full, 1, kRgb);
    } else {
      render<uint16_t>(reinterpret_cast<uint16_t*>(dst), s, table16_.data(), full, 1, kRgb);
    }
  }

  // The background with its noise, in the output format, long enough that rows copied
  // from random offsets do not repeat visibly.
  void rebuildTable(const Settings& s) {
    size_t n = std::max<size_t>(size_t(1) << 20, 4 * static_cast<size_t>(s.width));
    double bright = s.exposureUs / kRefExposureUs * s.binH * s.binV, sigma = kNoise * std::pow(10.0, s.gain / 20.0);
    Rng rng{seed_ * 0xD1B54A32D192ED03ull + 7};
    if (pixelBits(s.format) == 8) {
      table8_.resize(n);
      for (auto& v : table8_) v = static_cast<uint8_t>(std::clamp(std::lround(kBackground * bright + sigma * rng.normal()), 0L, 255L));
    } else {
      // Mono16 is Mono8's scene times 257; 10- and 12-bit formats scale it to their own full scale.
      const double full = fullScale(s.format), k = full / 255.0;
      const long top = std::lround(full);
      table16_.resize(n);
      for (auto& v : table16_)
        v = static_cast<uint16_t>(std::clamp(std::lround((kBackground * bright + sigma * rng.normal()) * k), 0L, top));
    }
    tableLen_ = n;
    tableWidth_ = s.width;
    brightness_ = bright;
  }

  void moveParticles(const Settings& s) {
    auto reflect = [](double v, double hi) {
      if (v < 0) v = -v;
      if (v > hi) v = 2 * hi - v;
      return std::clamp(v, 0.0, hi);
    };
    for (auto& p : particles_) {
      p.x = reflect(p.x + kStepPx * motion_.normal(), s.width);
      p.y = reflect(p.y + kStepPx * motion_.normal(), s.height);
    }
  }

  // Where red, green and blue go within a pixel of `channels` samples.
  static constexpr int kRgb[3] = {0, 1, 2}, kBgr[3] = {2, 1, 0};
  // Colour formats: each particle has one of these colours (R, G, B weights), by its index.
  static constexpr double kPalette[6][3] = {{1, 0.25, 0.25}, {0.25, 1, 0.25}, {0.3, 0.5, 1}, {1, 0.9, 0.2}, {0.2, 1, 1}, {1, 0.3, 1}};

  template <typename T>
  void render(T* dst, const Settings& s, const T* table, double full, int channels, const int* order) {
    const size_t w = static_cast<size_t>(s.width);
    // Row offsets depend on (seed, frame index) only, so a dropped frame changes nothing after it.
    Rng rows{seed_ * 0xA24BAED4963EE407ull + frameIndex_ * 0x9FB21C651E98DF25ull};
    const uint64_t span = tableLen_ - w + 1;
    if (channels == 1) {
      for (int y = 0; y < s.height; y++) std::memcpy(dst + y * w, table + rows.next() % span, w * sizeof(T));
    } else {
      // Each channel's noise from its own offset: a grey background with colour noise.
      for (int y = 0; y < s.height; y++) {
        T* row = dst + y * w * 3;
        for (int c = 0; c < 3; c++) {
          const T* from = table + rows.next() % span;
          for (size_t x = 0; x < w; x++) row[3 * x + order[c]] = from[x];
        }
      }
    }
    const double scale = full / 255.0 * brightness_;
    double gx[256], gy[256];
    size_t index = 0;
    for (const auto& p : particles_) {
      const double* colour = kPalette[index++ % 6];
      int r = std::min(127, static_cast<int>(std::ceil(3 * p.sigma)));
      int x0 = std::max(0, static_cast<int>(p.x) - r), x1 = std::min(s.width - 1, static_cast<int>(p.x) + r);
      int y0 = std::max(0, static_cast<int>(p.y) - r), y1 = std::min(s.height - 1, static_cast<int>(p.y) + r);
      double k = -0.5 / (p.sigma * p.sigma);
      for (int x = x0; x <= x1; x++) gx[x - x0] = std::exp(k * (x - p.x) * (x - p.x));
      for (int y = y0; y <= y1; y++) gy[y - y0] = p.amp * scale * std::exp(k * (y - p.y) * (y - p.y));
      if (channels == 1) {
        for (int y = y0; y <= y1; y++) {
          T* row = dst + y * w;
          for (int x = x0; x <= x1; x++) row[x] = static_cast<T>(std::min(full, row[x] + gy[y - y0] * gx[x - x0]));
        }
        continue;
      }
      for (int y = y0; y <= y1; y++) {
        T* row = dst + y * w * 3;
        for (int x = x0; x <= x1; x++)
          for (int c = 0; c < 3; c++) {
            T& v = row[3 * x + order[c]];
            v = static_cast<T>(std::min(full, v + colour[c] * gy[y - y0] * gx[x - x0]));
          }
      }
    }
  }

  std::string id_;
  uint64_t seed_;
  int nParticles_;
  int64_t failAfter_;
  int roiStep_ = 1;
  static constexpr int kMaxBinning = 4;
  std::mutex m_;
  Settings s_;
  std::string userId_;
  // Software triggers not yet answered with a frame.
  uint64_t triggers_ = 0;
  std::condition_variable triggered_;
  bool dirty_ = true;
  std::vector<uint8_t> table8_;
  std::vector<uint16_t> table16_;
  // Scratch for formats drawn in one form and delivered in another (packed, Bayer).
  std::vector<uint16_t> samples16_;
  std::vector<uint8_t> wire_, scene_;
  size_t tableLen_ = 0;
  int tableWidth_ = -1;
  double brightness_ = 1;
  std::vector<Particle> particles_;
  Rng motion_{1};
  uint64_t frameIndex_ = 0;
  Clock::time_point start_, next_;
  Clock::duration lastRender_{0};
};

const std::regex kEmulatorId("emulator-([0-9]+)|EMU([0-9]+)");

std::vector<DeviceInfo> listEmulators() { return {{"emulator", "emulator-0", "EMU0", "patchbay", "Particle emulator", "none"}}; }

std::unique_ptr<Device> openEmulator(const std::string& want, const Options& options) {
  if (want.empty()) return std::make_unique<Emulator>("emulator-0", options);
  std::smatch m;
  // Any emulator-N opens, so a graph can hold several independent emulated cameras.
  if (!std::regex_match(want, m, kEmulatorId)) throw CameraError(ErrorCode::NoDevice, noDeviceText("emulator", want, listEmulators()));
  return std::make_unique<Emulator>("emulator-" + (m[1].matched ? m[1].str() : m[2].str()), options);
}

}  // namespace

Backend makeEmulatorBackend() { return {"emulator", listEmulators, openEmulator}; }

}  // namespace patchbay
