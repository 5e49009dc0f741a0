#include "history/storage_runner.hpp"

#include <spdlog/spdlog.h>

namespace sb::history {

storage_runner::storage_runner(std::unique_ptr<storage::store> store, runner_options options)
    : store_(std::move(store)), options_(options) {
    writer_ = std::thread([this] { writer_loop(); });
    for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.readers); ++i)
        readers_.emplace_back([this] { reader_loop(); });
}

storage_runner::~storage_runner() { stop(); }

void storage_runner::append(storage::message_record record, append_done done) {
    {
        std::lock_guard lock(write_mutex_);
        if (stopping_) {
            if (done) done(false);
            return;
        }
        appends_.push_back({std::move(record), std::move(done)});
        ++appends_queued_;
    }
    write_ready_.notify_one();
}

void storage_runner::write(job j) {
    {
        std::lock_guard lock(write_mutex_);
        if (stopping_) return;
        write_jobs_.push_back({std::move(j), appends_queued_});
    }
    write_ready_.notify_one();
}

void storage_runner::read(job j) {
    {
        std::lock_guard lock(read_mutex_);
        if (stopping_) return;
        read_jobs_.push_back(std::move(j));
    }
    read_ready_.notify_one();
}

std::size_t storage_runner::pending_appends() const {
    std::lock_guard lock(write_mutex_);
    return appends_.size();
}

void storage_runner::stop() {
    {
        std::lock_guard a(write_mutex_);
        std::lock_guard b(read_mutex_);
        if (stopping_ && !writer_.joinable()) return;
        stopping_ = true;
    }
    write_ready_.notify_all();
    read_ready_.notify_all();
    if (writer_.joinable()) writer_.join();
    for (auto& r : readers_)
        if (r.joinable()) r.join();
    readers_.clear();
}

void storage_runner::writer_loop() {
    std::unique_ptr<storage::connection> conn;
    std::vector<pending_append> batch;
    std::vector<storage::message_record> records;
    auto backoff = std::chrono::milliseconds(50);
    for (;;) {
        std::vector<job> jobs;
        {
            std::unique_lock lock(write_mutex_);
            write_ready_.wait(lock, [&] { return stopping_ || !appends_.empty() || !write_jobs_.empty(); });
            if (appends_.empty() && write_jobs_.empty() && stopping_) break;
            // The batch stops at the first job: appends queued after a job wait for it.
            std::size_t n = std::min(appends_.size(), options_.max_batch);
            if (!write_jobs_.empty())
                n = std::min<std::size_t>(n, static_cast<std::size_t>(write_jobs_.front().after - appends_taken_));
            batch.clear();
            for (std::size_t i = 0; i < n; ++i) {
                batch.push_back(std::move(appends_.front()));
                appends_.pop_front();
            }
            appends_taken_ += n;
            // Jobs whose earlier appends are all in this batch (or stored) run after it.
            while (!write_jobs_.empty() && write_jobs_.front().after <= appends_taken_) {
                jobs.push_back(std::move(write_jobs_.front().run));
                write_jobs_.pop_front();
            }
        }
        bool stored = false;
        while (!stored) {
            try {
                if (!conn) conn = store_->connect();
                if (!batch.empty()) {
                    records.clear();
                    for (auto& p : batch) records.push_back(p.record);
                    conn->append(records);
                }
                stored = true;
                backoff = std::chrono::milliseconds(50);
            } catch (const std::exception& e) {
                spdlog::error("history: storing {} messages failed ({}); retrying in {} ms", batch.size(), e.what(),
                              backoff.count());
                conn.reset();
                std::this_thread::sleep_for(backoff);
                backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
            }
        }
        for (auto& p : batch)
            if (p.done) p.done(true);
        for (auto& j : jobs) {
            try {
                if (!conn) conn = store_->connect();
                j(*conn);
            } catch (const std::exception& e) {
                spdlog::error("history: a write job failed: {}", e.what());
                conn.reset();
            }
        }
    }
}

void storage_runner::reader_loop() {
    std::unique_ptr<storage::connection> conn;
    for (;;) {
        job j;
        {
            std::unique_lock lock(read_mutex_);
            read_ready_.wait(lock, [&] { return stopping_ || !read_jobs_.empty(); });
            if (read_jobs_.empty()) break;
            j = std::move(read_jobs_.front());
            read_jobs_.pop_front();
        }
        for (int attempt = 0; attempt < 2; ++attempt) {
            try {
                if (!conn) conn = store_->connect();
                j(*conn);
                break;
            } catch (const std::exception& e) {
                conn.reset();
                if (attempt == 1) spdlog::error("history: a read failed twice: {}", e.what());
            }
        }
    }
}

}  // namespace sb::history
