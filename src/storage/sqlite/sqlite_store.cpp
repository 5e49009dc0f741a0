#include "storage/sqlite/sqlite_store.hpp"

#include <utility>

#include "storage/sqlite/detail/database.hpp"
#include "storage/sqlite/migrations.hpp"
#include "storage/sqlite/sqlite_connection.hpp"

namespace sb::storage::sqlite {
namespace {

detail::open_options to_open_options(const sqlite_options& options, bool create) {
    detail::open_options out;
    out.create = create;
    out.synchronous_full = options.power_loss_durable;
    out.busy_timeout_ms = options.busy_timeout_ms;
    out.cache_size_kib = options.cache_size_kib;
    return out;
}

}  // namespace

sqlite_store::sqlite_store(std::filesystem::path path, sqlite_options options)
    : path_(std::move(path)), options_(options) {
    {
        detail::database db(path_.string(), to_open_options(options_, true));
        register_functions(db);
        migrate(db);
    }
    checkpointer_ = std::make_shared<detail::checkpointer>(
        path_.string(), to_open_options(options_, false), options_.checkpoint_threshold_pages);
}

std::unique_ptr<connection> sqlite_store::connect() {
    // The constructor created the file; a connection that finds it gone fails instead of
    // silently starting an empty database.
    return std::make_unique<sqlite_connection>(path_.string(), to_open_options(options_, false),
                                               checkpointer_);
}

}  // namespace sb::storage::sqlite
