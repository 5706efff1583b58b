#pragma once
// Shared helpers of the hardening tests: running the kinoglaz binary under a time limit and
// checking the contract's failure form (exit 1, one line on stderr naming the file).

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "support/media.hpp"
#include "support/run.hpp"

namespace kinoglaz::test {

/// Runs `kinoglaz ARGS` under `timeout`; a hang shows up as status 124 (or 137 after KILL).
inline RunResult run_kinoglaz(const std::string& args, int timeout_s = 120) {
    return run("timeout -k 5 " + std::to_string(timeout_s) + " " + shell_quote(kinoglaz_bin()) +
               " " + args);
}

/// The contract's refusal: exit 1 and exactly one line on stderr, "kinoglaz: <file>: reason".
inline void expect_one_line_refusal(const RunResult& r, const std::string& file_hint) {
    EXPECT_EQ(r.status, 1) << "stderr: " << r.err;
    std::string err = r.err;
    while (!err.empty() && err.back() == '\n') err.pop_back();
    EXPECT_FALSE(err.empty());
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 0) << "more than one line: " << r.err;
    EXPECT_EQ(err.rfind("kinoglaz: ", 0), 0u) << err;
    EXPECT_NE(err.find(file_hint), std::string::npos) << "does not name the file: " << err;
    EXPECT_EQ(err.find("internal error"), std::string::npos) << err;
    EXPECT_EQ(err.find("Sanitizer"), std::string::npos) << err;
}

/// A test with a fresh folder of its own, `dir_`, named PREFIX-<test name>; removed afterwards
/// unless the test failed (so that its files can be looked at).
class PerTestFolder : public ::testing::Test {
  protected:
    explicit PerTestFolder(std::string prefix) : prefix_(std::move(prefix)) {}
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = temp_dir(prefix_ + info->name());
    }
    void TearDown() override {
        if (!HasFailure()) std::filesystem::remove_all(dir_);
    }
    std::filesystem::path dir_;

  private:
    std::string prefix_;
};

/// Neither a crash, a hang nor a sanitizer report: exit 0 or the one-line refusal.
inline void expect_no_crash(const RunResult& r) {
    EXPECT_TRUE(r.status == 0 || r.status == 1) << "status " << r.status << ": " << r.err;
    EXPECT_EQ(r.err.find("Sanitizer"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("runtime error"), std::string::npos) << r.err;
}

}  // namespace kinoglaz::test
