#include "storage/store.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

namespace sb::storage {
namespace {

namespace fs = std::filesystem;

class open_store_test : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = fs::temp_directory_path() / "sb-open-store-XXXXXX";
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    fs::path dir_;
};

TEST_F(open_store_test, an_empty_name_or_sqlite_means_switchboard_db_in_the_data_dir) {
    const fs::path data_dir = dir_ / "data" / "nested";
    auto s = open_store("", data_dir.string());
    EXPECT_EQ(s->kind(), "sqlite");
    EXPECT_TRUE(fs::exists(data_dir / "switchboard.db")) << "the data dir is created when missing";
    s.reset();
    fs::remove_all(data_dir);
    EXPECT_EQ(open_store("sqlite", data_dir.string())->kind(), "sqlite");
    EXPECT_TRUE(fs::exists(data_dir / "switchboard.db"));
}

TEST_F(open_store_test, a_sqlite_url_names_an_absolute_or_relative_file) {
    EXPECT_EQ(open_store("sqlite://" + (dir_ / "abs.db").string(), "/nonexistent")->kind(),
              "sqlite");
    EXPECT_TRUE(fs::exists(dir_ / "abs.db"));

    const fs::path cwd = fs::current_path();
    fs::current_path(dir_);
    try {
        (void)open_store("sqlite://sub/relative.db", "/nonexistent");
    } catch (...) {
        fs::current_path(cwd);
        throw;
    }
    fs::current_path(cwd);
    EXPECT_TRUE(fs::exists(dir_ / "sub" / "relative.db"));
}

TEST_F(open_store_test, an_unknown_scheme_throws_without_echoing_credentials) {
    try {
        (void)open_store("mysql://user:hunter2@db/switchboard", dir_.string());
        FAIL() << "expected storage_error";
    } catch (const storage_error& e) {
        EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("mysql"), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)open_store("sqlite://", dir_.string()), storage_error);
}

}  // namespace
}  // namespace sb::storage
