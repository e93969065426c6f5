// HtmlToText: readable text from an HTML part, for search and for the text an officer
// reads. Not a renderer: a single forward scan (the HTML tokenizer's rules, simplified),
// tolerant of any input.
//
// - Tags are removed with all their attributes: no attribute value (href, title, alt,
//   style, event handlers) ever reaches the text, so search never matches inside a tag.
//   A quoted attribute value may hold '>' and does not end the tag; an unclosed quote
//   runs to the end of the input.
// - Dropped with their content: <script>, <style>, <template>, <iframe>, <noembed>,
//   <noframes> (to their end tag, any case; unclosed: to the end), comments (incl.
//   Outlook's conditional ones), <!DOCTYPE>, CDATA sections and <?...?>.
// - Kept: all other element content, <title> included.
// - Layout: p, h1-h6, table, blockquote, hr, pre give a blank line; div, li, tr, ul, ol,
//   dl, dt, dd, title and the HTML5 sectioning elements a line break; <br> one line
//   break; cells (td, th) are separated by a tab. Outside <pre>, runs of whitespace
//   (&nbsp; included) collapse to one space; at most one blank line in a row; no
//   leading or trailing whitespace.
// - Character references: HTML 4.01's named set and &apos; (html_entities.h; with ';',
//   or without it for amp, lt, gt, quot, nbsp, copy, reg), decimal and hex numeric ones
//   (';' optional; 0x80-0x9F read as Windows-1252; 0, surrogates and values above
//   U+10FFFF become U+FFFD). Unknown references and a '&' or '<' that starts nothing stay
//   as written.
// Input should be UTF-8 (body_text.h first); invalid sequences are repaired to U+FFFD.
// Output is valid UTF-8, at most max_out bytes (cut on a character boundary).
// Pure function; thread-safe; linear in the input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chainmail {

std::string HtmlToText(std::string_view html, size_t max_out);

}  // namespace chainmail
