#include "load/options.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace sb::bench {

ramp_spec parse_ramp(const std::string& text) {
    ramp_spec r;
    char c1 = 0;
    char c2 = 0;
    char c3 = 0;
    std::istringstream in(text);
    if (!(in >> r.from >> c1 >> r.to >> c2 >> r.step >> c3 >> r.seconds) || c1 != ':' ||
        c2 != ':' || c3 != ':' || r.from <= 0 || r.to < r.from || r.step <= 0 || r.seconds <= 0) {
        throw std::invalid_argument("--ramp expects from:to:step:seconds, e.g. 100:1000:100:5");
    }
    return r;
}

std::vector<double> ramp_spec::rates() const {
    std::vector<double> out;
    for (double r = from; r <= to + step * 1e-9; r += step) out.push_back(r);
    return out;
}

}  // namespace sb::bench
