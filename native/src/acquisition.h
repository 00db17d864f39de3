// The grab thread and the frames it hands over. A bounded number of frames is in
// flight; a frame that finds no room (the consumer is slow, the pool is empty) is taken
// from the camera and dropped, and counted, so the camera never stalls.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "device.h"

namespace patchbay {

// Where frames go. Owned: a fresh buffer per frame that the consumer then owns (never
// written again). Pool: fixed native slots lent to the consumer until released.
// Shared: fixed slots inside a SharedArrayBuffer that worker threads read in place.
enum class Delivery { Owned, Pool, Shared };

// Fixed slots with a state word each (0 free, 1 in flight). In Shared mode the words
// live at the start of the SharedArrayBuffer so a worker can release a slot with
// Atomics.store without going through the main thread.
struct Pool {
  uint8_t* base = nullptr;
  size_t stride = 0;
  int slots = 0;
  int32_t* state = nullptr;
  void* owned = nullptr;  // the allocation in Pool mode; null when the memory is a SharedArrayBuffer
  size_t mapped = 0;      // owned's bytes when it is a mapping of its own (else malloc's)

  ~Pool();
  int acquire();
  void release(int slot);
  uint8_t* at(int slot) const { return base + stride * static_cast<size_t>(slot); }

  static size_t headerBytes(int slots);
  static size_t strideFor(size_t frameBytes);
  static std::shared_ptr<Pool> allocate(int slots, size_t frameBytes);
  static std::shared_ptr<Pool> over(uint8_t* memory, int slots, size_t frameBytes);
};

// Owned frames' memory: blocks the garbage collector freed come back here and are
// reused, so the grab thread does not page-fault fresh memory for every frame. Nothing
// waits for a block: when none is free a new one is allocated.
struct Recycler {
  explicit Recycler(size_t bytes, size_t keep) : bytes(bytes), keep(keep) {}
  ~Recycler();
  uint8_t* get();
  void put(uint8_t* block);

  const size_t bytes, keep;
  std::mutex m;
  std::vector<uint8_t*> blocks;
};

struct ReadyFrame {
  uint8_t* data = nullptr;  // Owned: malloc'd, the taker frees it; otherwise inside the pool
  int slot = -1;
  uint64_t seq = 0;
  GrabInfo info;
};

class Acquisition {
 public:
  enum class Take { Frame, Empty, End, Failed };

  // `ahead`: frames acquired and not yet taken, at most (0: `buffers`). In pool and shared
  // modes the other slots are for frames the consumer still holds.
  Acquisition(Device& device, Delivery mode, int buffers, size_t frameBytes, std::shared_ptr<Pool> pool,
              std::function<void()> wake, int ahead = 0);
  ~Acquisition();

  void start();
  // Blocks until the grab thread has returned (at most one grab timeout).
  void stop();
  // Empty also arms one wake-up call for when a frame arrives or acquisition ends.
  Take take(ReadyFrame& out, ErrorCode& code, std::string& error);

  std::atomic<uint64_t> delivered{0}, dropped{0};
  // Owned mode: where a frame's memory goes when the consumer's buffer is collected.
  const std::shared_ptr<Recycler> recycler;

 private:
  void loop();

  Device& device_;
  Delivery mode_;
  size_t capacity_;
  size_t frameBytes_;
  std::shared_ptr<Pool> pool_;
  std::function<void()> wake_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::mutex m_;
  // Signalled when the consumer takes a frame or acquisition stops (see Device::waitsForRoom).
  std::condition_variable room_;
  std::deque<ReadyFrame> ready_;
  bool waiting_ = false, finished_ = false, failed_ = false;
  ErrorCode code_ = ErrorCode::CameraLost;
  std::string error_;
};

}  // namespace patchbay
