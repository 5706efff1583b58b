#pragma once
// One background thread that runs jobs one after another in the order given, with at most one
// job waiting: the keyframe stage analyses one picture (faces, view features, its JPEG) while
// the next is sought and decoded, so that neither waits for the other and at most two
// full-size pictures are held.

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace kinoglaz {

class SerialWorker {
  public:
    SerialWorker();
    /// Drops a job still waiting and waits for the running one (an error path: finish() is
    /// the normal end).
    ~SerialWorker();
    SerialWorker(const SerialWorker&) = delete;
    SerialWorker& operator=(const SerialWorker&) = delete;

    /// Queues `job`, blocking while another job waits. Rethrows the first exception a job
    /// threw (later jobs are then not run). Called from one thread.
    void submit(std::function<void()> job);
    /// Waits until every job given has run; rethrows the first exception a job threw.
    void finish();

  private:
    void run();
    void rethrow_locked();

    std::mutex mutex_;
    std::condition_variable changed_;
    std::optional<std::function<void()>> waiting_;
    bool busy_ = false, stopping_ = false;
    std::exception_ptr error_;
    std::thread thread_;  // last: starts once the members above exist
};

}  // namespace kinoglaz
