#include "acquisition.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#ifdef PATCHBAY_WITH_PYLON
// pylon's platform header goes before any GenICam one (pylon/Platform.h says why).
#include <pylon/Platform.h>
#include <Base/GCException.h>
#endif

namespace patchbay {

namespace {
constexpr size_t kAlign = 64;
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kPrefaultBytes = size_t{64} << 20;
size_t alignUp(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }
// Short enough that stop() returns promptly, long enough not to spin.
constexpr int kGrabTimeoutMs = 100;
}  // namespace

Recycler::~Recycler() {
  for (uint8_t* b : blocks) std::free(b);
}

uint8_t* Recycler::get() {
  {
    std::lock_guard<std::mutex> lock(m);
    if (!blocks.empty()) {
      uint8_t* b = blocks.back();
      blocks.pop_back();
      return b;
    }
  }
  return static_cast<uint8_t*>(std::malloc(bytes));
}

void Recycler::put(uint8_t* block) {
  if (block == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(m);
    if (blocks.size() < keep) {
      blocks.push_back(block);
      return;
    }
  }
  std::free(block);
}

Pool::~Pool() {
#if defined(__linux__)
  if (mapped > 0) {
    munmap(owned, mapped);
    return;
  }
#endif
  std::free(owned);
}

size_t Pool::headerBytes(int slots) { return alignUp(sizeof(int32_t) * static_cast<size_t>(slots)); }
size_t Pool::strideFor(size_t frameBytes) { return alignUp(frameBytes); }

// The grab thread writes the slots from the first frame on. Their pages are faulted in here, at
// start, not a slot at a time during acquisition, where a virtual machine's page fault costs
// 1.3-3 ms per MiB (docs/performance-camera.md): many frames' time, so each slot's first frame
// came late. The pool is its own mapping, not malloc's (whose tuned heap hands back pages it
// faulted before, and takes them away again), on 2 MiB pages where the kernel gives them
// (transparent huge pages in madvise mode): one fault per 2 MiB instead of 512. Past
// kPrefaultBytes the rest faults in on first use: the grab thread takes the lowest free slot, so
// the last slots of a deep pool see use only when downstream holds many frames.
std::shared_ptr<Pool> Pool::allocate(int slots, size_t frameBytes) {
  size_t total = headerBytes(slots) + strideFor(frameBytes) * static_cast<size_t>(slots);
  void* memory = nullptr;
  size_t mapped = 0;
#if defined(__linux__)
  mapped = (total + kHugePage - 1) / kHugePage * kHugePage;
  // Room to start the pool on a 2 MiB boundary, the slack unmapped again.
  void* region = mmap(nullptr, mapped + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (region != MAP_FAILED) {
    auto* base = static_cast<uint8_t*>(region);
    auto* aligned = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(base) + kHugePage - 1) & ~(kHugePage - 1));
    if (aligned > base) munmap(base, static_cast<size_t>(aligned - base));
    munmap(aligned + mapped, static_cast<size_t>(base + kHugePage - aligned));
#if defined(MADV_HUGEPAGE)
    madvise(aligned, mapped, MADV_HUGEPAGE);
#endif
    memory = aligned;
  } else {
    mapped = 0;
  }
#endif
  if (memory == nullptr) memory = std::aligned_alloc(kAlign, alignUp(total));
  if (memory == nullptr) throw CameraError(ErrorCode::CameraError, "out of memory for a frame pool of " + std::to_string(total) + " bytes");
  std::memset(memory, 0, std::min(mapped > 0 ? mapped : alignUp(total), kPrefaultBytes));
  auto pool = over(static_cast<uint8_t*>(memory), slots, frameBytes);
  pool->owned = memory;
  pool->mapped = mapped;
  return pool;
}

std::shared_ptr<Pool> Pool::over(uint8_t* memory, int slots, size_t frameBytes) {
  auto pool = std::make_shared<Pool>();
  pool->state = reinterpret_cast<int32_t*>(memory);
  pool->base = memory + headerBytes(slots);
  pool->stride = strideFor(frameBytes);
  pool->slots = slots;
  return pool;
}

int Pool::acquire() {
  for (int i = 0; i < slots; i++) {
    int32_t expected = 0;
    if (__atomic_compare_exchange_n(&state[i], &expected, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) return i;
  }
  return -1;
}

void Pool::release(int slot) {
  if (slot >= 0 && slot < slots) __atomic_store_n(&state[slot], 0, __ATOMIC_RELEASE);
}

Acquisition::Acquisition(Device& device, Delivery mode, int buffers, size_t frameBytes, std::shared_ptr<Pool> pool,
                         std::function<void()> wake, int ahead)
    : recycler(std::make_shared<Recycler>(frameBytes, static_cast<size_t>(buffers) * 2)),
      device_(device),
      mode_(mode),
      capacity_(static_cast<size_t>(ahead > 0 ? ahead : buffers)),
      frameBytes_(frameBytes),
      pool_(std::move(pool)),
      wake_(std::move(wake)) {}

Acquisition::~Acquisition() {
  stop();
  for (auto& f : ready_)
    if (mode_ == Delivery::Owned) recycler->put(f.data);
}

void Acquisition::start() {
  running_ = true;
  thread_ = std::thread([this] { loop(); });
}

void Acquisition::stop() {
  {
    std::lock_guard<std::mutex> lock(m_);
    running_ = false;
  }
  room_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Acquisition::loop() {
  uint64_t seq = 0;
  ErrorCode code = ErrorCode::CameraLost;
  std::string why;
  bool lost = false;
  while (running_) {
    uint8_t* dst = nullptr;
    int slot = -1;
    const bool wait = device_.waitsForRoom();
    if (mode_ == Delivery::Owned) {
      std::unique_lock<std::mutex> lock(m_);
      // A camera that renders on demand waits for the consumer instead of dropping.
      if (wait) room_.wait_for(lock, std::chrono::milliseconds(kGrabTimeoutMs), [this] { return ready_.size() < capacity_ || !running_; });
      if (ready_.size() < capacity_) dst = recycler->get();
      else if (wait) continue;
    } else {
      {
        // No more than `ahead` frames waiting to be taken, as in owned mode: the other slots are
        // for frames downstream holds, and the slots in use stay few (and in the cache).
        std::unique_lock<std::mutex> lock(m_);
        if (wait) room_.wait_for(lock, std::chrono::milliseconds(kGrabTimeoutMs), [this] { return ready_.size() < capacity_ || !running_; });
        if (ready_.size() < capacity_) slot = pool_->acquire();
        else if (wait) continue;
      }
      if (slot >= 0) dst = pool_->at(slot);
      else if (wait) {
        // Pool slots come back from JavaScript through shared memory, without a signal: look again soon.
        if (running_) std::this_thread::sleep_for(std::chrono::microseconds(500));
        continue;
      }
    }
    GrabInfo info;
    GrabStatus status;
    try {
      status = device_.grab(dst, frameBytes_, info, kGrabTimeoutMs, why);
    } catch (const CameraError& e) {
      status = GrabStatus::Lost, code = e.code, why = e.what();
    } catch (const std::exception& e) {
      status = GrabStatus::Lost, code = ErrorCode::CameraError, why = e.what();
#ifdef PATCHBAY_WITH_PYLON
    } catch (const GenICam::GenericException& e) {
      // Not a std::exception: uncaught on this thread it would abort Node.
      status = GrabStatus::Lost, code = ErrorCode::CameraError, why = e.GetDescription();
#endif
    } catch (...) {
      status = GrabStatus::Lost, code = ErrorCode::CameraError, why = "the camera driver threw an unknown exception";
    }
    if (status != GrabStatus::Ok || dst == nullptr) {
      if (mode_ == Delivery::Owned) recycler->put(dst);
      else pool_->release(slot);
    }
    dropped += info.cameraDrops;
    if (status == GrabStatus::Lost) {
      lost = true;
      break;
    }
    if (status == GrabStatus::Timeout) continue;
    if (dst == nullptr) {
      dropped++;
      continue;
    }
    bool wake;
    {
      std::lock_guard<std::mutex> lock(m_);
      ready_.push_back({dst, slot, seq++, info});
      delivered++;
      wake = waiting_;
      waiting_ = false;
    }
    if (wake) wake_();
  }
  bool wake;
  {
    std::lock_guard<std::mutex> lock(m_);
    finished_ = true;
    failed_ = lost;
    code_ = code;
    error_ = why;
    wake = waiting_;
    waiting_ = false;
  }
  if (wake) wake_();
}

Acquisition::Take Acquisition::take(ReadyFrame& out, ErrorCode& code, std::string& error) {
  std::lock_guard<std::mutex> lock(m_);
  if (!ready_.empty()) {
    out = ready_.front();
    ready_.pop_front();
    room_.notify_one();
    return Take::Frame;
  }
  if (finished_) {
    if (!failed_) return Take::End;
    code = code_;
    error = error_;
    return Take::Failed;
  }
  waiting_ = true;
  return Take::Empty;
}

}  // namespace patchbay
