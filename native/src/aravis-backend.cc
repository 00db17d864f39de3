// GenICam cameras (GigE Vision, USB3 Vision) through Aravis. Feature names differ
// between standard (SFNC) and older GigE models, so each setting tries its names in turn.
//
// Built as patchbay_aravis.node beside the camera addon, a plain shared object, not an addon
// (with its own copy of device.cc and pixel-format.cc), which the addon loads the first time
// the aravis backend is asked for (device.cc): Aravis and what it links, GLib, GIO, libxml2
// and ICU, are about 3 MB of a process's RSS that a run on the emulator or pylon does not need.
#include <arpa/inet.h>
#include <arv.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include "device.h"

namespace patchbay {
namespace {

// Aravis keeps one process-wide device list: enumerate and open under one lock.
std::mutex& systemLock() {
  static std::mutex m;
  return m;
}

std::string takeMessage(GError*& error) {
  std::string text = error ? error->message : "unknown Aravis error";
  g_clear_error(&error);
  return text;
}

// Aravis' in-process "Fake" interface is off by default and enabling it is process-wide;
// tests and demos turn it on with PATCHBAY_ARAVIS_FAKE=1 or by opening a Fake_ device.
void enableFakeIfAsked(const std::string& want) {
  const char* env = std::getenv("PATCHBAY_ARAVIS_FAKE");
  if ((env != nullptr && std::strcmp(env, "1") == 0) || want.rfind("Fake", 0) == 0) arv_enable_interface("Fake");
}

std::vector<DeviceInfo> listLocked() {
  arv_update_device_list();
  std::vector<DeviceInfo> out;
  unsigned n = arv_get_n_devices();
  auto str = [](const char* s) { return std::string(s ? s : ""); };
  for (unsigned i = 0; i < n; i++)
    out.push_back({"aravis", str(arv_get_device_id(i)), str(arv_get_device_serial_nbr(i)), str(arv_get_device_vendor(i)),
                   str(arv_get_device_model(i)), str(arv_get_device_protocol(i))});
  return out;
}

std::vector<DeviceInfo> listAravis() {
  std::lock_guard<std::mutex> lock(systemLock());
  enableFakeIfAsked("");
  return listLocked();
}

using Clock = std::chrono::steady_clock;

// Whether a GigE Vision camera still answers, asked without blocking anyone: a GVCP READREG of
// its version register (address 0) from a UDP socket of our own. Any application may read a
// camera's registers, and even a refusal is an answer. Aravis' own register reads retry for
// seconds and would hold the grab thread, and stop() behind it, when the camera is gone.
class GvcpProbe {
 public:
  // Null when the device is not GigE Vision (USB3 Vision and the in-process fake fail fast anyway).
  static std::unique_ptr<GvcpProbe> forDevice(ArvDevice* device) {
    if (!ARV_IS_GV_DEVICE(device)) return nullptr;
    GSocketAddress* address = arv_gv_device_get_device_address(ARV_GV_DEVICE(device));
    if (!G_IS_INET_SOCKET_ADDRESS(address)) return nullptr;
    GInetSocketAddress* inet = G_INET_SOCKET_ADDRESS(address);
    GInetAddress* ip = g_inet_socket_address_get_address(inet);
    if (g_inet_address_get_family(ip) != G_SOCKET_FAMILY_IPV4) return nullptr;
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(g_inet_socket_address_get_port(inet));
    std::memcpy(&to.sin_addr, g_inet_address_to_bytes(ip), 4);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return nullptr;
    return std::unique_ptr<GvcpProbe>(new GvcpProbe(fd, to));
  }

  ~GvcpProbe() { close(fd_); }

  // Sends a read request; its answer is looked for by answered().
  void ask() {
    id_ = static_cast<uint16_t>(id_ % 0xFFFF + 1);
    // GVCP: key 0x42, flags (ack wanted), READREG_CMD 0x0080, payload length, request id; then the address.
    const uint8_t packet[12] = {0x42, 0x01, 0x00, 0x80, 0x00, 0x04, static_cast<uint8_t>(id_ >> 8),
                                static_cast<uint8_t>(id_), 0, 0, 0, 0};
    sendto(fd_, packet, sizeof packet, 0, reinterpret_cast<const sockaddr*>(&to_), sizeof to_);
  }

  // True when an answer to one of our requests (the last one only, if `last`) has come, waiting at most waitMs.
  bool answered(int waitMs = 0, bool last = false) {
    pollfd p{fd_, POLLIN, 0};
    uint8_t reply[64];
    while (poll(&p, 1, waitMs) > 0) {
      ssize_t n = recv(fd_, reply, sizeof reply, 0);
      if (n < 0) return false;
      // An acknowledge: status, answer READREG_ACK 0x0081, length, the request's id.
      const bool ack = n >= 8 && reply[2] == 0x00 && reply[3] == 0x81;
      if (ack && (!last || ((reply[6] << 8) | reply[7]) == id_)) return true;
    }
    return false;
  }

  // Asks and waits: `tries` requests, waitMs for each one's own answer.
  bool alive(int tries, int waitMs) {
    for (int i = 0; i < tries; i++) {
      ask();
      if (answered(waitMs, true)) return true;
    }
    return false;
  }

 private:
  GvcpProbe(int fd, sockaddr_in to) : fd_(fd), to_(to) {}
  int fd_;
  sockaddr_in to_;
  uint16_t id_ = 0;
};

class AravisDevice final : public Device {
 public:
  AravisDevice(ArvCamera* camera, DeviceInfo info) : camera_(camera), info_(std::move(info)) {
    device_ = arv_camera_get_device(camera_);
    exposure_ = firstFeature({"ExposureTime", "ExposureTimeAbs"});
    gain_ = firstFeature({"Gain", "GainRaw"});
    lostHandler_ = g_signal_connect(device_, "control-lost", G_CALLBACK(onControlLost), this);
    probe_ = GvcpProbe::forDevice(device_);
    loss_ = FrameLoss(ARV_IS_GV_DEVICE(device_));
  }

  ~AravisDevice() override {
    stopAcquisition();
    g_signal_handler_disconnect(device_, lostHandler_);
    if (lost_) releaseLater(camera_);
    else g_object_unref(camera_);
  }

  // Releasing what belongs to a camera that is gone takes Aravis seconds (its heartbeat thread
  // retries, giving control back times out): that happens off the caller's thread, so stop() and
  // close() return at once.
  static void releaseLater(gpointer object) {
    std::thread([object] { g_object_unref(object); }).detach();
  }

  DeviceInfo info() override { return info_; }

  uint64_t timestampTickHz() override {
    if (!ARV_IS_GV_DEVICE(device_)) return 1000000000;
    std::lock_guard<std::recursive_mutex> lock(io_);
    GError* error = nullptr;
    guint64 hz = arv_gv_device_get_timestamp_tick_frequency(ARV_GV_DEVICE(device_), &error);
    g_clear_error(&error);
    return hz ? hz : 1000000000;
  }

  double get(const std::string& name) override {
    std::lock_guard<std::recursive_mutex> lock(io_);
    GError* error = nullptr;
    double v;
    if (name == "fps") v = arv_camera_get_frame_rate(camera_, &error);
    else {
      const std::string f = feature(name);
      v = isFloat(f) ? arv_camera_get_float(camera_, f.c_str(), &error)
                     : static_cast<double>(arv_camera_get_integer(camera_, f.c_str(), &error));
    }
    if (error) throw CameraError(ErrorCode::CameraError, "reading " + name + " from " + info_.id + ": " + takeMessage(error));
    return v;
  }

  Range range(const std::string& name) override {
    std::lock_guard<std::recursive_mutex> lock(io_);
    GError* error = nullptr;
    double lo = 0, hi = 0, inc = 0;
    if (name == "fps") arv_camera_get_frame_rate_bounds(camera_, &lo, &hi, &error);
    else {
      const std::string f = feature(name);
      if (isFloat(f)) arv_camera_get_float_bounds(camera_, f.c_str(), &lo, &hi, &error);
      else {
        gint64 a = 0, b = 0;
        arv_camera_get_integer_bounds(camera_, f.c_str(), &a, &b, &error);
        lo = static_cast<double>(a), hi = static_cast<double>(b);
        if (!error) inc = static_cast<double>(arv_camera_get_integer_increment(camera_, f.c_str(), &error));
      }
    }
    if (error) throw CameraError(ErrorCode::CameraError, "reading the range of " + name + ": " + takeMessage(error));
    return {lo, hi, inc};
  }

  void set(const std::string& name, double v) override {
    std::lock_guard<std::recursive_mutex> lock(io_);
    Range r = range(name);
    // fps 0 means as fast as the camera goes.
    if (name == "fps" && v == 0) v = r.max;
    if (!(v >= r.min && v <= r.max)) throw CameraError::refused(name, v, r.min, r.max, "");
    if (r.increment > 1 && std::fmod(v - r.min, r.increment) != 0) {
      CameraError e = CameraError::refused(name, v, r.min, r.max, "in steps of " + std::to_string(static_cast<long>(r.increment)));
      e.increment = r.increment, e.hasIncrement = true;
      throw e;
    }
    GError* error = nullptr;
    if (name == "fps") arv_camera_set_frame_rate(camera_, v, &error);
    else {
      const std::string f = feature(name);
      if (isFloat(f)) arv_camera_set_float(camera_, f.c_str(), v, &error);
      else arv_camera_set_integer(camera_, f.c_str(), static_cast<gint64>(v), &error);
    }
    if (error) throw CameraError::refused(name, v, r.min, r.max, takeMessage(error));
  }

  PixelFormat pixelFormat() override {
    std::lock_guard<std::recursive_mutex> lock(io_);
    GError* error = nullptr;
    const char* f = arv_camera_get_pixel_format_as_string(camera_, &error);
    if (error) throw CameraError(ErrorCode::CameraError, "reading pixelFormat: " + takeMessage(error));
    return parsePixelFormat(f ? f : "");
  }

  void setPixelFormat(PixelFormat format) override {
    std::lock_guard<std::recursive_mutex> lock(io_);
    GError* error = nullptr;
    arv_camera_set_pixel_format_from_string(camera_, pixelFormatName(format), &error);
    if (!error) return;
    std::string why = takeMessage(error);
    guint n = 0;
    const char** names = arv_camera_dup_available_pixel_formats_as_strings(camera_, &n, &error);
    g_clear_error(&error);
    std::vector<std::string> allowed;
    for (guint i = 0; names && i < n; i++) allowed.push_back(names[i]);
    g_free(names);
    CameraError e(ErrorCode::ParamRefused, std::string("pixelFormat ") + pixelFormatName(format) + " refused by " + info_.id +
                                               ": " + why + "; the camera offers " + joinNames(allowed));
    e.param = "pixelFormat";
    e.allowed = allowed;
    throw e;
  }

  std::vector<std::string> featureNames() override {
    std::lock_guard<std::recursive_mutex> lock(io_);
    std::vector<std::string> names;
    // Every feature node of the camera's description, not only those its categories show
    // (older GigE models keep GainRaw out of them).
    ArvDomElement* root = arv_dom_document_get_document_element(ARV_DOM_DOCUMENT(genicam()));
    for (ArvDomNode* n = root ? arv_dom_node_get_first_child(ARV_DOM_NODE(root)) : nullptr; n != nullptr;
         n = arv_dom_node_get_next_sibling(n))
      if (isValueFeature(n)) names.push_back(arv_gc_feature_node_get_name(ARV_GC_FEATURE_NODE(n)));
    return names;
  }

  FeatureInfo describeFeature(const std::string& name) override {
    std::lock_guard<std::recursive_mutex> lock(io_);
    ArvGcNode* node = arv_gc_get_node(genicam(), name.c_str());
    if (node == nullptr || !isValueFeature(ARV_DOM_NODE(node))) throw unknownFeature(name);
    ArvGcFeatureNode* feature = ARV_GC_FEATURE_NODE(node);
    FeatureInfo f;
    using Type = FeatureInfo::Type;
    GError* error = nullptr;
    f.available = arv_gc_feature_node_is_available(feature, &error) && !error;
    g_clear_error(&error);
    const bool locked = arv_gc_feature_node_is_locked(feature, &error) && !error;
    g_clear_error(&error);
    ArvGcAccessMode mode = arv_gc_feature_node_get_actual_access_mode(feature);
    f.readable = mode == ARV_GC_ACCESS_MODE_RO || mode == ARV_GC_ACCESS_MODE_RW;
    f.writable = !locked && (mode == ARV_GC_ACCESS_MODE_WO || mode == ARV_GC_ACCESS_MODE_RW);
    if (ARV_IS_GC_COMMAND(node)) f.type = Type::Command;
    else if (ARV_IS_GC_ENUMERATION(node)) {
      f.type = Type::Enumeration;
      guint n = 0;
      const char** entries = arv_gc_enumeration_dup_available_string_values(ARV_GC_ENUMERATION(node), &n, &error);
      for (guint i = 0; entries && i < n; i++) f.entries.push_back(entries[i]);
      g_free(entries);
    } else if (ARV_IS_GC_BOOLEAN(node)) f.type = Type::Boolean;
    else if (ARV_IS_GC_INTEGER(node)) {
      f.type = Type::Integer;
      ArvGcInteger* i = ARV_GC_INTEGER(node);
      f.min = static_cast<double>(arv_gc_integer_get_min(i, &error));
      if (!error) f.max = static_cast<double>(arv_gc_integer_get_max(i, &error));
      if (!error) f.increment = static_cast<double>(arv_gc_integer_get_inc(i, &error));
    } else if (ARV_IS_GC_FLOAT(node)) {
      f.type = Type::Float;
      ArvGcFloat* x = ARV_GC_FLOAT(node);
      f.min = arv_gc_float_get_min(x, &error);
      if (!error) f.max = arv_gc_float_get_max(x, &error);
      // Aravis gives the smallest double when a float has no increment.
      if (!error) f.increment = arv_gc_float_get_inc(x, &error);
      if (f.increment <= 1e-300) f.increment = 0;
    } else f.type = Type::String;
    // A feature whose limits cannot be read now is not available now.
    if (error) f.available = false;
    g_clear_error(&error);
    return f;
  }

  FeatureValue readFeature(const std::string& name, const FeatureInfo&) override {
    std::lock_guard<std::recursive_mutex> lock(io_);
    ArvGcNode* node = arv_gc_get_node(genicam(), name.c_str());
    GError* error = nullptr;
    FeatureValue v;
    if (ARV_IS_GC_ENUMERATION(node)) {
      const char* text = arv_gc_enumeration_get_string_value(ARV_GC_ENUMERATION(node), &error);
      v = FeatureValue::of(std::string(text ? text : ""));
    } else if (ARV_IS_GC_BOOLEAN(node)) v = FeatureValue::flagOf(arv_gc_boolean_get_value(ARV_GC_BOOLEAN(node), &error));
    else if (ARV_IS_GC_INTEGER(node)) v = FeatureValue::of(static_cast<double>(arv_gc_integer_get_value(ARV_GC_INTEGER(node), &error)));
    else if (ARV_IS_GC_FLOAT(node)) v = FeatureValue::of(arv_gc_float_get_value(ARV_GC_FLOAT(node), &error));
    else if (ARV_IS_GC_STRING(node)) {
      const char* text = arv_gc_string_get_value(ARV_GC_STRING(node), &error);
      v = FeatureValue::of(std::string(text ? text : ""));
    }
    if (error) throw CameraError(ErrorCode::CameraError, "reading " + name + ": " + takeMessage(error));
    return v;
  }

  void writeFeature(const std::string& name, const FeatureInfo&, const FeatureValue& v) override {
    std::lock_guard<std::recursive_mutex> lock(io_);
    ArvGcNode* node = arv_gc_get_node(genicam(), name.c_str());
    GError* error = nullptr;
    if (ARV_IS_GC_COMMAND(node)) arv_gc_command_execute(ARV_GC_COMMAND(node), &error);
    else if (ARV_IS_GC_ENUMERATION(node)) arv_gc_enumeration_set_string_value(ARV_GC_ENUMERATION(node), v.text.c_str(), &error);
    else if (ARV_IS_GC_BOOLEAN(node)) arv_gc_boolean_set_value(ARV_GC_BOOLEAN(node), v.flag, &error);
    else if (ARV_IS_GC_INTEGER(node)) arv_gc_integer_set_value(ARV_GC_INTEGER(node), static_cast<gint64>(v.number), &error);
    else if (ARV_IS_GC_FLOAT(node)) arv_gc_float_set_value(ARV_GC_FLOAT(node), v.number, &error);
    else if (ARV_IS_GC_STRING(node)) arv_gc_string_set_value(ARV_GC_STRING(node), v.text.c_str(), &error);
    if (error) {
      CameraError e(ErrorCode::ParamRefused, name + " " + v.show() + " refused by the camera: " + takeMessage(error));
      e.param = name;
      e.value = v;
      e.hasValue = true;
      throw e;
    }
  }

  void startAcquisition() override {
    GError* error = nullptr;
    stream_ = arv_camera_create_stream(camera_, nullptr, nullptr, &error);
    if (error) throw CameraError(ErrorCode::CameraError, "creating the stream of " + info_.id + ": " + takeMessage(error));
    guint payload = arv_camera_get_payload(camera_, &error);
    if (error) throw CameraError(ErrorCode::CameraError, "reading the payload size: " + takeMessage(error));
    for (int i = 0; i < kStreamBuffers; i++) arv_stream_push_buffer(stream_, arv_buffer_new(payload, nullptr));
    arv_camera_set_acquisition_mode(camera_, ARV_ACQUISITION_MODE_CONTINUOUS, &error);
    if (!error) arv_camera_start_acquisition(camera_, &error);
    if (error) {
      g_clear_object(&stream_);
      throw CameraError(ErrorCode::CameraError, "starting acquisition on " + info_.id + ": " + takeMessage(error));
    }
    lastSign_ = Clock::now();
    asked_ = 0;
    loss_.reset();
  }

  void stopAcquisition() override {
    if (!stream_) return;
    GError* error = nullptr;
    // A camera that died since its last frame would hold this stop for seconds of retries.
    if (!lost_ && probe_ && !probe_->alive(2, 150)) lost_ = true;
    if (!lost_) arv_camera_stop_acquisition(camera_, &error);
    // A camera gone away can't be stopped; there is nothing to tell anyone about it.
    g_clear_error(&error);
    // Releasing a lost camera's stream writes to the camera, retrying for seconds: see ~AravisDevice.
    if (lost_) releaseLater(stream_);
    else g_object_unref(stream_);
    stream_ = nullptr;
  }

  GrabStatus grab(uint8_t* dst, size_t frameBytes, GrabInfo& info, int timeoutMs, std::string& why) override {
    if (lost_) return lostStatus(why, "control of the camera was lost (no answer to heartbeats)");
    ArvBuffer* buffer = arv_stream_timeout_pop_buffer(stream_, static_cast<guint64>(timeoutMs) * 1000);
    if (buffer == nullptr) {
      if (lost_) return lostStatus(why, "control of the camera was lost (no answer to heartbeats)");
      return stillThere(why) ? GrabStatus::Timeout : GrabStatus::Lost;
    }
    lastSign_ = Clock::now();
    asked_ = 0;
    if (arv_buffer_get_status(buffer) != ARV_BUFFER_STATUS_SUCCESS) {
      info.cameraDrops = loss_.failed();
      arv_stream_push_buffer(stream_, buffer);
      return GrabStatus::Timeout;
    }
    size_t size = 0;
    const void* data = arv_buffer_get_image_data(buffer, &size);
    const size_t wire = output().wireBytes();
    if (size < wire) {
      // A short frame (the camera's size changed under us, a transfer cut short) is a frame lost, not the camera.
      info.cameraDrops = loss_.failed();
      arv_stream_push_buffer(stream_, buffer);
      return GrabStatus::Timeout;
    }
    if (dst) convertFrame(output(), static_cast<const uint8_t*>(data), dst);
    info.frameId = arv_buffer_get_frame_id(buffer);
    // Aravis converts the camera's ticks to ns itself (GigE Vision: with the tick frequency register).
    info.cameraTs = arv_buffer_get_timestamp(buffer);
    guint64 host = arv_buffer_get_system_timestamp(buffer);
    info.hostNs = host ? host : hostNowNs();
    // Frames lost on the way (the driver had no buffer, packets never came, the socket overflowed):
    // the ids skipped. Aravis' own counters (n_underruns, n_missing_frames) count per packet or per
    // gap, not per frame, in some versions.
    info.cameraDrops = loss_.arrived(info.frameId);
    arv_stream_push_buffer(stream_, buffer);
    return GrabStatus::Ok;
  }

 private:
  static constexpr int kStreamBuffers = 8;

  static void onControlLost(ArvDevice*, gpointer self) { static_cast<AravisDevice*>(self)->lost_ = true; }

  // The no-frame watchdog, on the grab thread between frames: a camera waiting for a trigger still
  // answers, a camera gone does not. Quiet for kQuiet, a GigE camera is asked (GvcpProbe) every
  // kAskEvery; kAsks unanswered requests make it lost, about 1.5 s after its last sign of life.
  // Nothing here waits: stop() never stands behind a register read.
  bool stillThere(std::string& why) {
    const auto now = Clock::now();
    if (probe_) {
      if (probe_->answered()) {
        lastSign_ = now;
        asked_ = 0;
      }
      if (now - lastSign_ < kQuiet) return true;
      if (asked_ > 0 && now - askedAt_ < kAskEvery) return true;
      if (asked_ == kAsks) {
        lostStatus(why, "no answer to " + std::to_string(kAsks) + " GVCP read requests in " +
                            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now - lastSign_).count()) +
                            " ms since its last frame or answer");
        return false;
      }
      probe_->ask();
      askedAt_ = now;
      asked_++;
      return true;
    }
    // Other transports: a register read, which fails fast there (USB3 Vision) or never (the in-process fake).
    if (now - lastSign_ < std::chrono::seconds(2)) return true;
    std::lock_guard<std::recursive_mutex> lock(io_);
    GError* error = nullptr;
    arv_device_get_integer_feature_value(device_, "Width", &error);
    if (error) {
      lostStatus(why, takeMessage(error));
      return false;
    }
    lastSign_ = Clock::now();
    return true;
  }

  GrabStatus lostStatus(std::string& why, const std::string& cause) {
    lost_ = true;
    why = "camera " + info_.id + " (" + info_.vendor + " " + info_.model + ") disappeared: " + cause;
    return GrabStatus::Lost;
  }

  std::string firstFeature(std::initializer_list<const char*> names) {
    for (const char* n : names) {
      GError* error = nullptr;
      gboolean ok = arv_camera_is_feature_available(camera_, n, &error);
      g_clear_error(&error);
      if (ok) return n;
    }
    return *names.begin();
  }

  std::string feature(const std::string& name) {
    if (name == "width") return "Width";
    if (name == "height") return "Height";
    if (name == "offsetX") return "OffsetX";
    if (name == "offsetY") return "OffsetY";
    if (name == "exposureUs") return exposure_;
    if (name == "gain") return gain_;
    CameraError e(ErrorCode::BadArgument, "unknown camera setting " + name);
    e.param = name;
    throw e;
  }

  ArvGc* genicam() { return arv_device_get_genicam(device_); }

  // A feature that holds a value or runs a command: what `features:` may name.
  static bool isValueFeature(ArvDomNode* n) {
    return ARV_IS_GC_FEATURE_NODE(n) && (ARV_IS_GC_INTEGER(n) || ARV_IS_GC_FLOAT(n) || ARV_IS_GC_ENUMERATION(n) ||
                                         ARV_IS_GC_BOOLEAN(n) || ARV_IS_GC_STRING(n) || ARV_IS_GC_COMMAND(n));
  }

  bool isFloat(const std::string& f) { return f == "ExposureTime" || f == "ExposureTimeAbs" || f == "Gain"; }

  ArvCamera* camera_;
  ArvDevice* device_;
  // Aravis' feature nodes are not thread-safe: the grab thread's liveness read of Width and the
  // control calls take turns (recursive: set reads the range first).
  std::recursive_mutex io_;
  DeviceInfo info_;
  std::string exposure_, gain_;
  gulong lostHandler_ = 0;
  ArvStream* stream_ = nullptr;
  std::atomic<bool> lost_{false};
  static constexpr auto kQuiet = std::chrono::milliseconds(500);
  static constexpr auto kAskEvery = std::chrono::milliseconds(250);
  static constexpr int kAsks = 4;
  std::unique_ptr<GvcpProbe> probe_;
  // The grab thread's: when the camera last sent a frame or answered, and the requests since.
  Clock::time_point lastSign_, askedAt_;
  int asked_ = 0;
  FrameLoss loss_;
};

std::unique_ptr<Device> openAravis(const std::string& want, const Options&) {
  std::lock_guard<std::mutex> lock(systemLock());
  enableFakeIfAsked(want);
  std::vector<DeviceInfo> found = listLocked();
  const DeviceInfo* match = nullptr;
  for (const auto& d : found)
    if (want.empty() || d.id == want || d.serial == want) {
      match = &d;
      break;
    }
  if (!match && (want.empty() || want.find('.') == std::string::npos))
    throw CameraError(ErrorCode::NoDevice, noDeviceText("aravis", want, found));
  // An address that discovery did not see (another subnet) may still answer directly.
  std::string id = match ? match->id : want;
  GError* error = nullptr;
  ArvCamera* camera = arv_camera_new(id.c_str(), &error);
  if (error || !camera) {
    std::string why = takeMessage(error);
    throw CameraError(ErrorCode::NoDevice, noDeviceText("aravis", want, found) + " (" + why + ")");
  }
  DeviceInfo info = match ? *match : DeviceInfo{"aravis", id, "", "", "", "GigEVision"};
  return std::make_unique<AravisDevice>(camera, info);
}

}  // namespace

Backend makeAravisBackend() { return {"aravis", listAravis, openAravis}; }

}  // namespace patchbay

// What the camera addon looks up after loading this module.
extern "C" __attribute__((visibility("default"))) void patchbay_aravis_backend(patchbay::Backend* out) {
  *out = patchbay::makeAravisBackend();
}
