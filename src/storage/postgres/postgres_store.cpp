#include "storage/postgres/postgres_store.hpp"

#include <utility>

#include "storage/postgres/detail/pg.hpp"
#include "storage/postgres/migrations.hpp"
#include "storage/postgres/postgres_connection.hpp"

namespace sb::storage::postgres {

postgres_store::postgres_store(std::string url) : url_(std::move(url)) {
    detail::session session(url_);
    migrate(session);
}

std::unique_ptr<connection> postgres_store::connect() {
    return std::make_unique<postgres_connection>(url_);
}

}  // namespace sb::storage::postgres
