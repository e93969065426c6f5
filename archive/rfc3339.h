// RFC 3339 timestamps moved to archive/format/rfc3339.h, so the offline verifier can
// render audit listings exactly as the exporter does. This forwarding header keeps old
// includes working.
#pragma once

#include "archive/format/rfc3339.h"
