// The payload registry: every TLV tag and every audit event type code. Codes are never
// reused or renumbered; docs/payload-registry.md is the prose twin of this header and a
// test checks that both list the same codes.
#pragma once

#include <cstdint>

namespace chainmail {

// Message payload tags (record_type 0x01), 0x0001-0x00ff.
namespace msgtag {
inline constexpr uint16_t kSource = 0x0001;        // u8: 1 smtp, 2 import. Required.
inline constexpr uint16_t kMailFrom = 0x0002;      // bytes: MAIL FROM argument as received. Required.
inline constexpr uint16_t kRcptTo = 0x0003;        // list: each accepted RCPT argument, in order. Required.
inline constexpr uint16_t kHeloVerb = 0x0004;      // bytes: "EHLO" or "HELO" (smtp)
inline constexpr uint16_t kHeloName = 0x0005;      // bytes: the EHLO/HELO argument as received (smtp)
inline constexpr uint16_t kClientAddress = 0x0006; // text: client IP address (smtp)
inline constexpr uint16_t kClientPort = 0x0007;    // u16 (smtp)
inline constexpr uint16_t kServerAddress = 0x0008; // text: "ip:port" the client connected to (smtp)
inline constexpr uint16_t kTlsProtocol = 0x0009;   // text: e.g. "TLSv1.3"; empty without TLS (smtp)
inline constexpr uint16_t kTlsCipher = 0x000a;     // text: OpenSSL cipher name; empty without TLS (smtp)
inline constexpr uint16_t kSessionId = 0x000b;     // 16 bytes: UUIDv7 of the SMTP session (smtp)
inline constexpr uint16_t kTransfer = 0x000c;      // u8: 1 DATA, 2 BDAT, 3 import. Required.
inline constexpr uint16_t kReceivedTimeUs = 0x000d;// u64: UTC microseconds, end of data. Required.
inline constexpr uint16_t kRawSha256 = 0x000e;     // 32 bytes. Required.
inline constexpr uint16_t kRawLength = 0x000f;     // u64. Required.
inline constexpr uint16_t kCodec = 0x0010;         // u8: 1 zstd. Required.
inline constexpr uint16_t kFlags = 0x0011;         // u32: MessageFlag bits. Required.
inline constexpr uint16_t kImportName = 0x0012;    // bytes: file name (and "#n" for mbox) (import)
}  // namespace msgtag

enum class MessageSource : uint8_t { kSmtp = 1, kImport = 2 };
enum class Transfer : uint8_t { kData = 1, kBdat = 2, kImport = 3 };
enum class Codec : uint8_t { kZstd = 1 };

// Flags (payload tag kFlags). Bits 0-15 are recomputable from the raw bytes alone and are
// checked by verify; bits 16-31 describe the transfer and are recorded as observed.
namespace msgflag {
inline constexpr uint32_t kBareCr = 1u << 0;        // CR not followed by LF
inline constexpr uint32_t kBareLf = 1u << 1;        // LF not preceded by CR
inline constexpr uint32_t kNul = 1u << 2;           // a NUL byte
inline constexpr uint32_t kEightBit = 1u << 3;      // a byte >= 0x80
inline constexpr uint32_t kLongLine = 1u << 4;      // a line over 998 octets (RFC 5322 2.1.1)
inline constexpr uint32_t kNoHeaderEnd = 1u << 5;   // no empty line ends the header block
inline constexpr uint32_t kNoMessageId = 1u << 8;
inline constexpr uint32_t kNoDate = 1u << 9;
inline constexpr uint32_t kNoFrom = 1u << 10;
inline constexpr uint32_t kHeaderEightBit = 1u << 11;    // 8-bit bytes in the header block
inline constexpr uint32_t kHeaderTruncated = 1u << 12;   // header block beyond the scan bound
inline constexpr uint32_t kBadEncodedWord = 1u << 13;    // an RFC 2047 word that did not decode
inline constexpr uint32_t kDuplicateHeader = 1u << 14;   // a second Subject/From/Date/Message-ID/Sender
inline constexpr uint32_t kRecomputableMask = 0x0000ffffu;
inline constexpr uint32_t kSmugglingSequence = 1u << 16; // a bare-CR/LF dot line seen in DATA
inline constexpr uint32_t kEightBitUndeclared = 1u << 17;// 8-bit content without BODY=8BITMIME
}  // namespace msgflag

// Audit payload tags (record_type 0x02), 0x0100-0x01ff. Used from issue 3 on.
namespace audittag {
inline constexpr uint16_t kActor = 0x0101;          // text. Required.
inline constexpr uint16_t kAuthMethod = 0x0102;     // text: "token", "local-user", "system". Required.
inline constexpr uint16_t kSourceAddress = 0x0103;  // text
inline constexpr uint16_t kRequestId = 0x0104;      // text
inline constexpr uint16_t kTargetRefs = 0x0105;     // list of (log_id[32] || u64 seq || leaf_hash[32])
inline constexpr uint16_t kBefore = 0x0106;         // bytes: exact stored bytes before a change
inline constexpr uint16_t kAfter = 0x0107;          // bytes: exact stored bytes after a change
inline constexpr uint16_t kOutcome = 0x0108;        // text: "ok", "denied", "error: ..." Required.
inline constexpr uint16_t kDetail = 0x0109;         // bytes: verbatim JSON
inline constexpr uint16_t kEventTimeUs = 0x010a;    // u64. Required.
}  // namespace audittag

// Audit event type codes (leaf subtype). Reserved ranges keep the format stable as later
// work adds events.
namespace auditevent {
inline constexpr uint16_t kPolicyDecision = 0x0001;
inline constexpr uint16_t kMessageSearch = 0x0010;
inline constexpr uint16_t kMessageRead = 0x0011;
inline constexpr uint16_t kMessageExport = 0x0012;
inline constexpr uint16_t kMessageLabel = 0x0013;
inline constexpr uint16_t kMessageImport = 0x0014;
inline constexpr uint16_t kAuditExport = 0x0020;
inline constexpr uint16_t kAuditRead = 0x0021;
inline constexpr uint16_t kTokenCreate = 0x0030;
inline constexpr uint16_t kTokenRevoke = 0x0031;
inline constexpr uint16_t kAuthDenied = 0x0032;
inline constexpr uint16_t kServiceStart = 0x0040;
inline constexpr uint16_t kServiceStop = 0x0041;
inline constexpr uint16_t kConfigChange = 0x0042;
inline constexpr uint16_t kKeyRotate = 0x0043;
// Reserved for later work:
inline constexpr uint16_t kRouteCreate = 0x0050, kRouteUpdate = 0x0051, kRouteDelete = 0x0052,
                          kRouteTlsTest = 0x0053;
inline constexpr uint16_t kRoutingRuleCreate = 0x0058, kRoutingRuleUpdate = 0x0059,
                          kRoutingRuleDelete = 0x005a;
inline constexpr uint16_t kPolicyRuleCreate = 0x0060, kPolicyRuleUpdate = 0x0061,
                          kPolicyRuleDelete = 0x0062;
inline constexpr uint16_t kQuarantineHold = 0x0068, kQuarantineRelease = 0x0069,
                          kQuarantineReject = 0x006a;
inline constexpr uint16_t kDeliverySuccess = 0x0070, kDeliveryDeferred = 0x0071,
                          kDeliveryFailed = 0x0072;
inline constexpr uint16_t kRetentionChange = 0x0078, kRetentionPurge = 0x0079;
inline constexpr uint16_t kLegalHoldSet = 0x0080, kLegalHoldRelease = 0x0081;
inline constexpr uint16_t kErasureRequest = 0x0088, kErasureApprove = 0x0089,
                          kErasurePurge = 0x008a;
inline constexpr uint16_t kAnchorPublish = 0x0090, kAnchorTimestamp = 0x0091;
inline constexpr uint16_t kLogRestore = 0x0098;
}  // namespace auditevent

}  // namespace chainmail
