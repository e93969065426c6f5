// Ed25519 signing key: RFC 8032 known answers, the key file's mode and lifecycle, and
// interoperability with the openssl command line that auditors are told to use.
#include "archive/format/signing_key.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/archive/format/expect_status.h"

namespace chainmail {
namespace {

namespace fs = std::filesystem;

Bytes Hex(std::string_view hex) {
  std::optional<Bytes> b = FromHex(hex);
  EXPECT_TRUE(b.has_value()) << hex;
  return b.value_or(Bytes());
}

// RFC 8032 §7.1 (Ed25519). The values were cross-checked against two independent copies of
// the RFC's table and reproduced with Python `cryptography` and `openssl pkeyutl` before
// being frozen here.
struct Rfc8032Vector {
  const char* name;
  const char* secret_key;
  const char* public_key;
  std::string message;  // hex
  const char* signature;
};

const Rfc8032Vector kRfc8032Vectors[] = {
    {"Test1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b"
     "46bd25bf5f0595bbe24655141438e7a100b"},
    {"Test2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11"
     "d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"Test3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc"
     "6594a7c15e9716ed28dc027beceea1ec40a"},
    {"Test1024", "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
     "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
     "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f7"
     "7b1"
     "e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b203"
     "29d"
     "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e"
     "93a"
     "7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a365"
     "53e"
     "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bb"
     "c10"
     "3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7"
     "ed1"
     "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb"
     "39d"
     "502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f"
     "270"
     "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d90"
     "89b"
     "eccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a4612"
     "8ba"
     "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af89"
     "69b"
     "e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47ac"
     "db7"
     "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd9"
     "88d"
     "cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee3"
     "4df"
     "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4a"
     "ca7"
     "984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae4"
     "9e4"
     "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aa"
     "c09"
     "43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496af"
     "c5f"
     "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f"
     "161"
     "0e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb686069373"
     "80d"
     "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b"
     "8ca"
     "c60c905c15fc910840b94c00a0b9d0",
     "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d"
     "94b5e8fcd4f681e30a6ac00a9704a188a03"},
    // The message is SHA-512("abc").
    {"TestShaAbc", "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3fee"
     "bbd454d4423643ce80e2a9ac94fa54ca49f",
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e"
     "0303dca179c138ac17ad9bef1177331a704"},
};

class Rfc8032Test : public testing::TestWithParam<Rfc8032Vector> {};

TEST_P(Rfc8032Test, SignsExactlyAndVerifies) {
  const Rfc8032Vector& v = GetParam();
  const Bytes message = Hex(v.message), public_key = Hex(v.public_key);
  Result<Ed25519SigningKey> key = Ed25519SigningKey::FromSeed(Hex(v.secret_key));
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(ToHex(key->PublicKey()), v.public_key);
  const Bytes signature = key->Sign(message);
  EXPECT_EQ(ToHex(signature), v.signature);
  EXPECT_TRUE(Ed25519Verify(public_key, message, signature));

  Bytes flipped = signature;
  flipped[10] ^= 0x01;
  EXPECT_FALSE(Ed25519Verify(public_key, message, flipped));
  EXPECT_FALSE(Ed25519Verify(public_key, message + "x", signature));
}

INSTANTIATE_TEST_SUITE_P(Section7_1, Rfc8032Test, testing::ValuesIn(kRfc8032Vectors),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Rfc8032VectorTable, Test1024MessageIs1023Bytes) {
  EXPECT_EQ(Hex(kRfc8032Vectors[3].message).size(), 1023u);
}

TEST(Ed25519VerifyTest, MalformedInputsAreNotValid) {
  const Rfc8032Vector& v = kRfc8032Vectors[1];
  const Bytes pub = Hex(v.public_key), msg = Hex(v.message), sig = Hex(v.signature);
  ASSERT_TRUE(Ed25519Verify(pub, msg, sig));
  EXPECT_FALSE(Ed25519Verify(pub.substr(1), msg, sig));
  EXPECT_FALSE(Ed25519Verify(pub, msg, sig.substr(0, 63)));
  EXPECT_FALSE(Ed25519Verify(pub, msg, sig + "x"));
  EXPECT_FALSE(Ed25519Verify(Hex(kRfc8032Vectors[2].public_key), msg, sig));
}

TEST(Ed25519SigningKeyTest, FromSeedRejectsWrongLength) {
  ExpectFailure(Ed25519SigningKey::FromSeed(Bytes(31, 'k')), "32 bytes, not 31");
}

TEST(Ed25519SigningKeyTest, GeneratedKeysDiffer) {
  Result<Ed25519SigningKey> a = Ed25519SigningKey::Generate();
  Result<Ed25519SigningKey> b = Ed25519SigningKey::Generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->PublicKey(), b->PublicKey());
  EXPECT_EQ(a->PublicKey().size(), kEd25519PublicKeySize);
}

// Each test gets a fresh directory and a permissive umask, so a mode of 0600 can only
// come from the code under test, never from the environment.
class KeyFileTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string templ = testing::TempDir() + "chainmail_key_XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    path_ = (dir_ / "signing.key").string();
    old_umask_ = umask(0);
  }
  void TearDown() override {
    umask(old_umask_);
    fs::remove_all(dir_);
  }

  mode_t ModeOf(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  }
  std::string Contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  fs::path dir_;
  std::string path_;
  mode_t old_umask_ = 0;
};

TEST_F(KeyFileTest, EnsureCreatesOwnerOnlyPkcs8File) {
  ASSERT_TRUE(EnsureSigningKey(path_).ok());
  EXPECT_EQ(ModeOf(path_), 0600u);
  EXPECT_EQ(Contents(path_).rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
  // Nothing but the key is left behind (no temporary file).
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(KeyFileTest, EnsureTwiceKeepsTheSameKey) {
  ASSERT_TRUE(EnsureSigningKey(path_).ok());
  const std::string first = Contents(path_);
  ASSERT_TRUE(EnsureSigningKey(path_).ok());
  EXPECT_EQ(Contents(path_), first);
}

TEST_F(KeyFileTest, ReloadGivesTheSameKey) {
  Result<Ed25519SigningKey> key = Ed25519SigningKey::Generate();
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(key->SaveNewPemFile(path_).ok());
  Result<Ed25519SigningKey> loaded = Ed25519SigningKey::LoadPemFile(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->PublicKey(), key->PublicKey());
  EXPECT_EQ(loaded->Sign("checkpoint"), key->Sign("checkpoint"));  // Ed25519 is deterministic
}

TEST_F(KeyFileTest, GroupOrOtherAccessIsRefused) {
  ASSERT_TRUE(EnsureSigningKey(path_).ok());
  for (mode_t mode : {0644, 0640, 0604, 0620, 0602, 0610, 0601}) {
    ASSERT_EQ(chmod(path_.c_str(), mode), 0);
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode));
    ExpectFailure(EnsureSigningKey(path_), std::string("mode ") + text + " gives group or others");
    ExpectFailure(Ed25519SigningKey::LoadPemFile(path_), "must be 0600");
    EXPECT_EQ(ModeOf(path_), mode) << "the key file must not be repaired behind the admin's back";
  }
  ASSERT_EQ(chmod(path_.c_str(), 0400), 0);
  EXPECT_TRUE(Ed25519SigningKey::LoadPemFile(path_).ok());
}

TEST_F(KeyFileTest, SaveNeverReplacesAKey) {
  Result<Ed25519SigningKey> first = Ed25519SigningKey::Generate();
  Result<Ed25519SigningKey> second = Ed25519SigningKey::Generate();
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE(first->SaveNewPemFile(path_).ok());
  ExpectFailure(second->SaveNewPemFile(path_), "refusing to replace a signing key");
  Result<Ed25519SigningKey> loaded = Ed25519SigningKey::LoadPemFile(path_);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->PublicKey(), first->PublicKey());
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(KeyFileTest, MissingKeyIsNotFound) {
  Result<Ed25519SigningKey> loaded = Ed25519SigningKey::LoadPemFile(path_);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Status::Code::kNotFound);
}

TEST_F(KeyFileTest, SymlinkIsNotFollowed) {
  ASSERT_TRUE(EnsureSigningKey(path_).ok());
  const std::string link = (dir_ / "link.key").string();
  ASSERT_EQ(symlink(path_.c_str(), link.c_str()), 0);
  ExpectFailure(Ed25519SigningKey::LoadPemFile(link), "cannot open signing key");
}

TEST_F(KeyFileTest, OtherKeyTypesAndGarbageAreRefused) {
  EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_NE(ec, nullptr);
  FILE* f = std::fopen(path_.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_PrivateKey(f, ec, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  EVP_PKEY_free(ec);
  ASSERT_EQ(chmod(path_.c_str(), 0600), 0);
  ExpectFailure(Ed25519SigningKey::LoadPemFile(path_), "not Ed25519");

  std::ofstream(path_, std::ios::trunc) << "not a key\n";
  ExpectFailure(Ed25519SigningKey::LoadPemFile(path_), "is not an unencrypted PEM private key");

  std::ofstream(path_, std::ios::trunc) << std::string(64 * 1024 + 1, 'k');
  ExpectFailure(Ed25519SigningKey::LoadPemFile(path_), "is larger than 65536 bytes");

  const std::string directory = (dir_ / "a_directory").string();
  ASSERT_EQ(mkdir(directory.c_str(), 0700), 0);
  ExpectFailure(Ed25519SigningKey::LoadPemFile(directory), "is not a regular file");
}

// What docs/VERIFY tell an auditor to run by hand must accept our signatures.
TEST_F(KeyFileTest, OpensslCommandLineVerifiesOurSignature) {
  const char* openssl = "/usr/bin/openssl";
  if (access(openssl, X_OK) != 0) GTEST_SKIP() << openssl << " is not installed";
  Result<Ed25519SigningKey> key = Ed25519SigningKey::Generate();
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(key->SaveNewPemFile(path_).ok());
  const std::string body =
      "example.org/chainmail-00000000/audit\n7\n" + std::string(43, 'A') + "=\n";
  const std::string pub = (dir_ / "pub.pem").string(), msg = (dir_ / "msg").string(),
                    sig = (dir_ / "sig").string();
  std::ofstream(pub, std::ios::binary) << key->PublicKeyPem();
  std::ofstream(msg, std::ios::binary) << body;
  std::ofstream(sig, std::ios::binary) << key->Sign(body);

  auto run = [&](const std::string& args) {
    const std::string command = std::string(openssl) + " " + args + " 2>&1";
    FILE* p = popen(command.c_str(), "r");
    std::string out;
    char buf[256];
    while (p != nullptr && std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
    const int rc = p == nullptr ? -1 : pclose(p);
    return std::make_pair(rc, out);
  };
  const std::string verify =
      "pkeyutl -verify -rawin -pubin -inkey " + pub + " -in " + msg + " -sigfile " + sig;
  auto [rc, out] = run(verify);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("Signature Verified Successfully"), std::string::npos) << out;

  std::ofstream(msg, std::ios::binary) << body.substr(0, body.size() - 2) << "Q\n";
  auto [bad_rc, bad_out] = run(verify);
  EXPECT_NE(bad_rc, 0) << bad_out;

  // openssl reads our key file and derives the same public key.
  auto [pkey_rc, pkey_out] = run("pkey -in " + path_ + " -pubout");
  EXPECT_EQ(pkey_rc, 0) << pkey_out;
  EXPECT_EQ(pkey_out, key->PublicKeyPem());
}

}  // namespace
}  // namespace chainmail
