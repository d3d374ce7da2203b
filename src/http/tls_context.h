#pragma once
// OpenSSL contexts from TlsSettings, as etcd's transport.TLSInfo makes its tls.Config: one for a
// listener (ServerConfig), one for dialing peers (ClientConfig), and the checks etcd's TLS
// listener makes once a handshake is done (CRL, allowed CN or host name, the client
// certificate's subject alternative names against the address it connects from).
//
// Only the translation units that hold TLS streams include this (with <boost/asio/ssl.hpp>).

#include <memory>
#include <string>
#include <string_view>

#include "http/tls_settings.h"
#include "util/status.h"

namespace boost::asio::ssl {
class context;
}
typedef struct ssl_st SSL;  // NOLINT: OpenSSL's own declaration.

namespace arbor::http {

// A listener's context: TLS 1.2 at least, the key pair (given, or made by auto TLS), client
// certificates required and verified when a trusted CA is given or client_cert_auth is set,
// and the cipher suites. InvalidArgument names the flag at fault.
util::Status make_server_tls_context(const TlsSettings& t,
                                     std::unique_ptr<boost::asio::ssl::context>* out);

// A dialer's context: its key pair (when given) as the client certificate; the server's
// certificate verified against the trusted CA (or the system's roots), except with auto TLS,
// whose self-signed peers etcd does not verify. *verify_server says which; the caller then
// checks the host name per connection.
util::Status make_client_tls_context(const TlsSettings& t,
                                     std::unique_ptr<boost::asio::ssl::context>* out,
                                     bool* verify_server);

// After a server-side handshake: "" when the connection may be used, else why not (for the log
// line). `remote_ip` is the client's address as text.
std::string check_client_certificate(SSL* ssl, const TlsSettings& t, const std::string& remote_ip);

// OpenSSL's name of a TLS 1.2 cipher suite given by Go's name, or null when unknown.
const char* openssl_cipher_name(std::string_view go_name);

}  // namespace arbor::http
