// Basler cameras through the pylon SDK (6 or later), C++ API. Built only where the SDK
// is installed (binding.gyp runs `pylon-config`); test it with pylon's camera emulation:
// PYLON_CAMEMU=2 creates two emulated cameras (docs/camera.md).
#include <pylon/PylonIncludes.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>

#include "device.h"

namespace patchbay {
namespace {

using namespace Pylon;

// GenICam::GenericException does not derive from std::exception: every pylon call sits in a
// try that turns it into a CameraError, or it would abort Node.
std::string describe(const GenICam::GenericException& e) { return e.GetDescription(); }

// pylon must be initialised once per process before any other call. It is never
// terminated: PylonTerminate at exit races the addon's own teardown. A failed
// initialisation leaves the flag unset, so the next call tries again.
void ensurePylon() {
  static std::once_flag once;
  std::call_once(once, [] {
    try {
      PylonInitialize();
    } catch (const GenICam::GenericException& e) {
      throw CameraError(ErrorCode::CameraError, "initialising pylon: " + describe(e));
    }
  });
}

DeviceInfo toInfo(const CDeviceInfo& d) {
  return {"pylon", std::string(d.GetSerialNumber().c_str()), std::string(d.GetSerialNumber().c_str()),
          std::string(d.GetVendorName().c_str()), std::string(d.GetModelName().c_str()),
          std::string(d.GetDeviceClass().c_str())};
}

std::vector<DeviceInfo> listPylon() {
  ensurePylon();
  try {
    DeviceInfoList_t devices;
    CTlFactory::GetInstance().EnumerateDevices(devices);
    std::vector<DeviceInfo> out;
    for (const auto& d : devices) out.push_back(toInfo(d));
    return out;
  } catch (const GenICam::GenericException& e) {
    throw CameraError(ErrorCode::CameraError, "listing pylon cameras: " + describe(e));
  }
}

class PylonDevice final : public Device {
 public:
  PylonDevice(IPylonDevice* device, DeviceInfo info) : camera_(device), info_(std::move(info)) {
    camera_.Open();
    // GigE: pylon declares a camera removed when its heartbeat goes unanswered this long (3 s by
    // default): 1 s keeps the time to CAMERA_LOST within 2 s. Other transports have no such node.
    CIntegerParameter(camera_.GetTLNodeMap(), "HeartbeatTimeout").TrySetValue(kHeartbeatMs);
    GenApi::INodeMap& map = camera_.GetNodeMap();
    // Standard names first (SFNC, USB3 and newer GigE models), then older GigE names.
    exposure_ = CFloatParameter(map, "ExposureTime").IsValid() ? "ExposureTime" : "ExposureTimeAbs";
    gainIsFloat_ = CFloatParameter(map, "Gain").IsValid();
    fps_ = CFloatParameter(map, "AcquisitionFrameRate").IsValid() ? "AcquisitionFrameRate" : "AcquisitionFrameRateAbs";
    // GigE timestamps count ticks of GevTimestampTickFrequency (125 MHz on older models); USB3 Vision's count ns.
    CIntegerParameter tick(map, "GevTimestampTickFrequency");
    if (tick.IsReadable() && tick.GetValue() > 0) tickHz_ = static_cast<uint64_t>(tick.GetValue());
    loss_ = FrameLoss(info_.transport.find("GigE") != std::string::npos);
  }

  ~PylonDevice() override {
    try {
      if (camera_.IsGrabbing()) camera_.StopGrabbing();
      camera_.Close();
    } catch (const GenICam::GenericException&) {
      // A removed camera can't be closed cleanly; destroying it releases what is left.
    }
  }

  DeviceInfo info() override { return info_; }

  uint64_t timestampTickHz() override { return tickHz_; }

  double get(const std::string& name) override {
    try {
      GenApi::INodeMap& map = camera_.GetNodeMap();
      if (isFloat(name)) return CFloatParameter(map, feature(name).c_str()).GetValue();
      return static_cast<double>(CIntegerParameter(map, feature(name).c_str()).GetValue());
    } catch (const GenICam::GenericException& e) {
      throw CameraError(ErrorCode::CameraError, "reading " + name + " from " + info_.id + ": " + describe(e));
    }
  }

  Range range(const std::string& name) override {
    try {
      GenApi::INodeMap& map = camera_.GetNodeMap();
      if (isFloat(name)) {
        CFloatParameter p(map, feature(name).c_str());
        return {p.GetMin(), p.GetMax()};
      }
      CIntegerParameter p(map, feature(name).c_str());
      const double inc = p.GetIncMode() == GenApi::fixedIncrement ? static_cast<double>(p.GetInc()) : 0;
      return {static_cast<double>(p.GetMin()), static_cast<double>(p.GetMax()), inc};
    } catch (const GenICam::GenericException& e) {
      throw CameraError(ErrorCode::CameraError, "reading the range of " + name + ": " + describe(e));
    }
  }

  void set(const std::string& name, double v) override {
    Range r = range(name);
    if (name == "fps" && v == 0) v = r.max;
    if (!(v >= r.min && v <= r.max)) throw CameraError::refused(name, v, r.min, r.max, "");
    if (r.increment > 1 && std::fmod(v - r.min, r.increment) != 0) {
      CameraError e = CameraError::refused(name, v, r.min, r.max, "in steps of " + std::to_string(static_cast<long>(r.increment)));
      e.increment = r.increment, e.hasIncrement = true;
      throw e;
    }
    try {
      GenApi::INodeMap& map = camera_.GetNodeMap();
      if (name == "fps") CBooleanParameter(map, "AcquisitionFrameRateEnable").TrySetValue(true);
      if (isFloat(name)) CFloatParameter(map, feature(name).c_str()).SetValue(v);
      else CIntegerParameter(map, feature(name).c_str()).SetValue(static_cast<int64_t>(v));
    } catch (const GenICam::GenericException& e) {
      throw CameraError::refused(name, v, r.min, r.max, describe(e));
    }
  }

  PixelFormat pixelFormat() override {
    try {
      return parsePixelFormat(CEnumParameter(camera_.GetNodeMap(), "PixelFormat").GetValue().c_str());
    } catch (const GenICam::GenericException& e) {
      throw CameraError(ErrorCode::CameraError, "reading pixelFormat: " + describe(e));
    }
  }

  void setPixelFormat(PixelFormat format) override {
    std::unique_ptr<CEnumParameter> p;
    try {
      p = std::make_unique<CEnumParameter>(camera_.GetNodeMap(), "PixelFormat");
      p->SetValue(pixelFormatName(format));
    } catch (const GenICam::GenericException& e) {
      CameraError err(ErrorCode::ParamRefused, std::string("pixelFormat ") + pixelFormatName(format) + " refused by " + info_.id + ": " + describe(e));
      err.param = "pixelFormat";
      try {
        GenApi::StringList_t values;
        if (p) p->GetSettableValues(values);
        for (const auto& v : values) err.allowed.push_back(v.c_str());
      } catch (const GenICam::GenericException&) {
        // The list is only a hint in the message; the refusal itself is what matters.
      }
      throw err;
    }
  }

  std::vector<std::string> featureNames() override {
    try {
      GenApi::NodeList_t nodes;
      camera_.GetNodeMap().GetNodes(nodes);
      std::vector<std::string> names;
      for (GenApi::INode* n : nodes)
        if (isValueFeature(n) && GenApi::IsImplemented(n)) names.push_back(n->GetName().c_str());
      return names;
    } catch (const GenICam::GenericException& e) {
      throw CameraError(ErrorCode::CameraError, "listing the features of " + info_.id + ": " + describe(e));
    }
  }

  FeatureInfo describeFeature(const std::string& name) override {
    GenApi::INode* node = nullptr;
    try {
      node = camera_.GetNodeMap().GetNode(name.c_str());
    } catch (const GenICam::GenericException&) {
      node = nullptr;
    }
    if (node == nullptr || !isValueFeature(node) || !GenApi::IsImplemented(node)) throw unknownFeature(name);
    FeatureInfo f;
    using Type = FeatureInfo::Type;
    try {
      f.available = GenApi::IsAvailable(node);
      f.readable = GenApi::IsReadable(node);
      f.writable = GenApi::IsWritable(node);
      switch (node->GetPrincipalInterfaceType()) {
        case GenApi::intfICommand: f.type = Type::Command; break;
        case GenApi::intfIBoolean: f.type = Type::Boolean; break;
        case GenApi::intfIString: f.type = Type::String; break;
        case GenApi::intfIEnumeration: {
          f.type = Type::Enumeration;
          GenApi::StringList_t values;
          CEnumParameter(node).GetSettableValues(values);
          for (const auto& v : values) f.entries.push_back(v.c_str());
          break;
        }
        case GenApi::intfIInteger: {
          f.type = Type::Integer;
          if (!f.available) break;
          CIntegerParameter p(node);
          f.min = static_cast<double>(p.GetMin()), f.max = static_cast<double>(p.GetMax());
          if (p.GetIncMode() == GenApi::fixedIncrement) f.increment = static_cast<double>(p.GetInc());
          break;
        }
        default: {
          f.type = Type::Float;
          if (!f.available) break;
          CFloatParameter p(node);
          f.min = p.GetMin(), f.max = p.GetMax();
          if (p.HasInc()) f.increment = p.GetInc();
          break;
        }
      }
    } catch (const GenICam::GenericException& e) {
      throw CameraError(ErrorCode::CameraError, "reading what " + name + " allows: " + describe(e));
    }
    return f;
  }

  FeatureValue readFeature(const std::string& name, const FeatureInfo& f) override {
    using Type = FeatureInfo::Type;
    try {
      GenApi::INode* node = camera_.GetNodeMap().GetNode(name.c_str());
      switch (f.type) {
        case Type::Integer: return FeatureValue::of(static_cast<double>(CIntegerParameter(node).GetValue()));
        case Type::Float: return FeatureValue::of(CFloatParameter(node).GetValue());
        case Type::Boolean: return FeatureValue::flagOf(CBooleanParameter(node).GetValue());
        case Type::Enumeration: return FeatureValue::of(std::string(CEnumParameter(node).GetValue().c_str()));
        case Type::String: return FeatureValue::of(std::string(CStringParameter(node).GetValue().c_str()));
        case Type::Command: break;
      }
    } catch (const GenICam::GenericException& e) {
      throw CameraError(ErrorCode::CameraError, "reading " + name + ": " + describe(e));
    }
    return {};
  }

  void writeFeature(const std::string& name, const FeatureInfo& f, const FeatureValue& v) override {
    using Type = FeatureInfo::Type;
    try {
      GenApi::INode* node = camera_.GetNodeMap().GetNode(name.c_str());
      switch (f.type) {
        case Type::Integer: CIntegerParameter(node).SetValue(static_cast<int64_t>(v.number)); break;
        case Type::Float: CFloatParameter(node).SetValue(v.number); break;
        case Type::Boolean: CBooleanParameter(node).SetValue(v.flag); break;
        case Type::Enumeration: CEnumParameter(node).SetValue(v.text.c_str()); break;
        case Type::String: CStringParameter(node).SetValue(v.text.c_str()); break;
        case Type::Command: CCommandParameter(node).Execute(); break;
      }
    } catch (const GenICam::GenericException& e) {
      CameraError err(ErrorCode::ParamRefused, name + " " + v.show() + " refused by the camera: " + describe(e));
      err.param = name;
      err.value = v;
      err.hasValue = true;
      throw err;
    }
  }

  // A .pfs file as pylon Viewer saves it, every value validated.
  void loadFeatureFile(const std::string& path) override {
    try {
      CFeaturePersistence::Load(path.c_str(), &camera_.GetNodeMap(), true);
    } catch (const GenICam::GenericException& e) {
      CameraError err(ErrorCode::ParamRefused, "featureFile " + path + " refused by the camera: " + describe(e));
      err.param = "featureFile";
      throw err;
    }
  }

  void startAcquisition() override {
    try {
      GenApi::INodeMap& own = camera_.GetInstantCameraNodeMap();
      // The driver keeps buffers to spare beyond the output queue: a queue as long as the buffers
      // (LatestImages then behaves as OneByOne) leaves the driver none while the queue is full, and
      // frames are lost in the driver instead of the oldest being skipped. Either way the block
      // ids say how many (grab()).
      CIntegerParameter(own, "MaxNumBuffer").TrySetValue(2 * kBuffers);
      CIntegerParameter(own, "OutputQueueSize").TrySetValue(kBuffers);
      camera_.StartGrabbing(GrabStrategy_LatestImages);
      loss_.reset();
    } catch (const GenICam::GenericException& e) {
      throw CameraError(ErrorCode::CameraError, "starting acquisition on " + info_.id + ": " + describe(e));
    }
  }

  void stopAcquisition() override {
    try {
      camera_.StopGrabbing();
    } catch (const GenICam::GenericException&) {
      // Stopping a removed camera fails; it has stopped anyway.
    }
  }

  GrabStatus grab(uint8_t* dst, size_t frameBytes, GrabInfo& info, int timeoutMs, std::string& why) override {
    CGrabResultPtr result;
    try {
      camera_.RetrieveResult(static_cast<unsigned>(timeoutMs), result, TimeoutHandling_Return);
    } catch (const GenICam::GenericException& e) {
      return lost(why, describe(e));
    }
    if (camera_.IsCameraDeviceRemoved()) return lost(why, "the device was removed");
    if (!result.IsValid()) return GrabStatus::Timeout;
    if (!result->GrabSucceeded()) {
      info.cameraDrops = loss_.failed();
      return GrabStatus::Timeout;
    }
    const size_t wire = output().wireBytes();
    if (result->GetImageSize() < wire) {
      // A short frame is a frame lost, not the camera.
      info.cameraDrops = loss_.failed();
      return GrabStatus::Timeout;
    }
    if (dst) convertFrame(output(), static_cast<const uint8_t*>(result->GetBuffer()), dst);
    info.frameId = result->GetBlockID();
    // Camera ticks (8 ns on older GigE models; USB3 Vision counts ns), as ns.
    info.cameraTs = ticksToNs(result->GetTimeStamp(), tickHz_);
    info.hostNs = hostNowNs();
    // Block-id gaps: frames the driver lost and those LatestImages skipped (GetNumberOfSkippedImages
    // counts only the latter). A camera without block ids has the skipped ones and the failed ones.
    const uint64_t skipped = result->GetNumberOfSkippedImages();
    info.cameraDrops = info.frameId == UINT64_MAX ? skipped + loss_.arrived(0) : loss_.arrived(info.frameId);
    return GrabStatus::Ok;
  }

 private:
  static constexpr int64_t kBuffers = 8;
  static constexpr int64_t kHeartbeatMs = 1000;

  GrabStatus lost(std::string& why, const std::string& cause) {
    why = "camera " + info_.id + " (" + info_.vendor + " " + info_.model + ") disappeared: " + cause;
    return GrabStatus::Lost;
  }

  // A feature that holds a value or runs a command: what `features:` may name.
  static bool isValueFeature(GenApi::INode* n) {
    switch (n->GetPrincipalInterfaceType()) {
      case GenApi::intfIInteger:
      case GenApi::intfIFloat:
      case GenApi::intfIEnumeration:
      case GenApi::intfIBoolean:
      case GenApi::intfIString:
      case GenApi::intfICommand: return true;
      default: return false;
    }
  }

  bool isFloat(const std::string& name) { return name == "exposureUs" || name == "fps" || (name == "gain" && gainIsFloat_); }

  std::string feature(const std::string& name) {
    if (name == "width") return "Width";
    if (name == "height") return "Height";
    if (name == "offsetX") return "OffsetX";
    if (name == "offsetY") return "OffsetY";
    if (name == "exposureUs") return exposure_;
    if (name == "gain") return gainIsFloat_ ? "Gain" : "GainRaw";
    if (name == "fps") return fps_;
    CameraError e(ErrorCode::BadArgument, "unknown camera setting " + name);
    e.param = name;
    throw e;
  }

  CInstantCamera camera_;
  DeviceInfo info_;
  std::string exposure_, fps_;
  bool gainIsFloat_ = true;
  FrameLoss loss_;
  uint64_t tickHz_ = 1000000000;
};

std::unique_ptr<Device> openPylon(const std::string& want, const Options&) {
  ensurePylon();
  try {
    DeviceInfoList_t devices;
    CTlFactory& factory = CTlFactory::GetInstance();
    factory.EnumerateDevices(devices);
    std::vector<DeviceInfo> found;
    for (const auto& d : devices) found.push_back(toInfo(d));
    for (const auto& d : devices) {
      if (want.empty() || want == d.GetSerialNumber().c_str() || want == d.GetFullName().c_str() ||
          want == d.GetUserDefinedName().c_str())
        return std::make_unique<PylonDevice>(factory.CreateDevice(d), toInfo(d));
    }
    throw CameraError(ErrorCode::NoDevice, noDeviceText("pylon", want, found));
  } catch (const GenICam::GenericException& e) {
    throw CameraError(ErrorCode::CameraError, "opening pylon camera " + want + ": " + describe(e));
  }
}

}  // namespace

Backend makePylonBackend() { return {"pylon", listPylon, openPylon}; }

}  // namespace patchbay
