#include "archive/mime/mime_walker.h"

#include "archive/mime/multipart_split.h"
#include "archive/mime/part_content.h"
#include "archive/mime/part_headers.h"

namespace chainmail {
namespace {

// A listed-to-be entity: its bytes in the message and where it sits in the tree.
struct Pending {
  size_t begin = 0, end = 0;
  int32_t parent = -1;
  uint32_t depth = 0;
  HeaderBlockRule rule = HeaderBlockRule::kMessage;
  bool digest_child = false;  // a body part of multipart/digest: message/rfc822 by default
};

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool IsEmbeddedMessage(const MimePart& part) {
  return IsMessageContentType(part.content_type) &&
         ClassifyTransferEncoding(part.transfer_encoding) == TransferEncoding::kIdentity;
}

class Walker {
 public:
  Walker(std::string_view message, const MimeLimits& limits)
      : message_(message),
        limits_(limits),
        max_parts_(limits.max_parts > 0 ? limits.max_parts : 1) {}

  MimeTree Run() {
    stack_.push_back(Pending{0, message_.size(), -1, 0, HeaderBlockRule::kMessage, false});
    while (!stack_.empty()) {
      const Pending next = stack_.back();
      stack_.pop_back();
      if (tree_.parts.size() >= max_parts_) {
        MarkPartLimit(next.parent);
        break;
      }
      Visit(next);
    }
    for (const MimePart& part : tree_.parts) tree_.flags |= part.flags;
    return std::move(tree_);
  }

 private:
  void Visit(const Pending& at) {
    const std::string_view entity = message_.substr(at.begin, at.end - at.begin);
    PartHeaders headers = ReadPartHeaders(entity, at.rule);
    MimePart part;
    part.index = static_cast<uint32_t>(tree_.parts.size());
    part.parent = at.parent;
    part.depth = at.depth;
    part.content_type = !headers.content_type.empty() ? std::move(headers.content_type)
                        : at.digest_child             ? "message/rfc822"
                                                      : "text/plain";
    part.charset = std::move(headers.charset);
    part.transfer_encoding = std::move(headers.transfer_encoding);
    part.disposition = std::move(headers.disposition);
    part.filename = std::move(headers.filename);
    part.header_offset = at.begin;
    part.body_offset = at.begin + headers.body_offset;
    part.body_length = at.end - part.body_offset;
    part.flags = headers.flags;

    const bool multipart = StartsWith(part.content_type, "multipart/");
    const bool container = multipart || IsEmbeddedMessage(part);
    part.is_leaf = true;
    if (container && at.depth >= limits_.max_depth) {
      part.flags |= mimeflag::kDepthLimit;
    } else if (multipart) {
      part.is_leaf = !ExpandMultipart(headers.boundary, at, &part);
    } else if (container) {
      part.is_leaf = false;
      stack_.push_back(Pending{part.body_offset, at.end, static_cast<int32_t>(part.index),
                               at.depth + 1, HeaderBlockRule::kMessage, false});
    }
    if (part.is_leaf &&
        ClassifyTransferEncoding(part.transfer_encoding) == TransferEncoding::kUnknown)
      part.flags |= mimeflag::kUnknownEncoding;
    const bool non_text_leaf = part.is_leaf && !StartsWith(part.content_type, "text/") &&
                               (part.flags & mimeflag::kDepthLimit) == 0;
    part.is_attachment =
        part.disposition == "attachment" || !part.filename.empty() || non_text_leaf;
    tree_.parts.push_back(std::move(part));
  }

  // Lists the body parts of multipart `*part` for visiting; false when it has no usable
  // boundary (it is then read as text/plain).
  bool ExpandMultipart(std::string_view boundary, const Pending& at, MimePart* part) {
    const std::string_view body = message_.substr(part->body_offset, part->body_length);
    const size_t room =
        max_parts_ - tree_.parts.size();  // one more than fits: this part is not listed yet
    MultipartSplit split = SplitMultipart(body, boundary, room);
    if (split.delimiters == 0) {
      const std::string_view guessed = boundary.empty() ? std::string_view() : GuessBoundary(body);
      if (guessed.empty()) {
        part->flags |= mimeflag::kNoBoundary;
        part->content_type = "text/plain";
        return false;
      }
      part->flags |= mimeflag::kBoundaryGuessed;
      split = SplitMultipart(body, guessed, room);
    }
    if (!split.closed && !split.more_parts) part->flags |= mimeflag::kNoCloseBoundary;
    if (split.more_parts) part->flags |= mimeflag::kPartLimit;
    const bool digest = part->content_type == "multipart/digest";
    for (size_t i = split.parts.size(); i-- > 0;) {
      const ByteRange& r = split.parts[i];
      stack_.push_back(Pending{part->body_offset + r.begin, part->body_offset + r.end,
                               static_cast<int32_t>(part->index), at.depth + 1,
                               HeaderBlockRule::kBodyPart, digest});
    }
    return true;
  }

  void MarkPartLimit(int32_t parent) {
    if (parent >= 0) tree_.parts[static_cast<size_t>(parent)].flags |= mimeflag::kPartLimit;
    if (!tree_.parts.empty()) tree_.parts.front().flags |= mimeflag::kPartLimit;
  }

  std::string_view message_;
  const MimeLimits& limits_;
  const size_t max_parts_;  // the root is always listed
  std::vector<Pending> stack_;
  MimeTree tree_;
};

}  // namespace

bool IsMessageContentType(std::string_view content_type) {
  return content_type == "message/rfc822" || content_type == "message/global";
}

MimeTree WalkMimeTree(std::string_view message, const MimeLimits& limits) {
  return Walker(message, limits).Run();
}

}  // namespace chainmail
