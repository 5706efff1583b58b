#include "serial_worker.hpp"

namespace kinoglaz {

SerialWorker::SerialWorker() : thread_([this] { run(); }) {}

SerialWorker::~SerialWorker() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        waiting_.reset();
    }
    changed_.notify_all();
    thread_.join();
}

void SerialWorker::rethrow_locked() {
    if (error_) std::rethrow_exception(error_);
}

void SerialWorker::submit(std::function<void()> job) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !waiting_ || error_; });
    rethrow_locked();
    waiting_ = std::move(job);
    changed_.notify_all();
}

void SerialWorker::finish() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return (!waiting_ && !busy_) || error_; });
    rethrow_locked();
}

void SerialWorker::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        changed_.wait(lock, [&] { return waiting_ || stopping_; });
        if (stopping_) return;
        std::function<void()> job = std::move(*waiting_);
        waiting_.reset();
        busy_ = true;
        changed_.notify_all();  // room for the next job
        lock.unlock();
        std::exception_ptr error;
        try {
            job();
        } catch (...) {
            error = std::current_exception();
        }
        lock.lock();
        busy_ = false;
        if (error && !error_) error_ = error;
        if (error_) waiting_.reset();
        changed_.notify_all();
    }
}

}  // namespace kinoglaz
