// Data only: the directives hotcycle knows, with nginx's own context and argument flags from
// each module's ngx_command_t table (nginx 1.22, the modules built into Debian's `nginx`
// package, plus the stream module). The http rows are verified against the real binary by
// test/checks/nginx/directives.test.ts; the stream rows cannot be here (Debian ships stream
// as a separate package) and come from the module sources. Directives missing from this
// table are left to `nginx -t` unless the caller asks for `unknownDirectives: 'error'`.

/** Where a directive stands: nginx's NGX_*_CONF flags. `sif`/`lif`: `if` in server/location. */
export type NginxContext =
  | 'main' | 'events' | 'http' | 'server' | 'location' | 'sif' | 'lif' | 'limit_except' | 'upstream'
  | 'stream' | 'stream_server' | 'stream_upstream';

/** Blocks whose contents are entries read by the module itself (`cf->handler`), not directives. */
export type EntriesKind = 'types' | 'map' | 'geo' | 'split_clients' | 'charset_map';

/**
 * [name, contexts (space-separated), argument flags (NGX_CONF_* names joined by `|`, `BLOCK`
 * for a block directive), what the block's contents are].
 */
export type DirectiveRow = readonly [string, string, string, (NginxContext | EntriesKind)?];

const H = 'http';
const HS = 'http server';
const HSL = 'http server location';
const HSLF = 'http server location lif';
const HSLM = 'http server location limit_except';
const HSLFM = 'http server location lif limit_except';
const LF = 'location lif';
const REWRITE = 'server sif location lif';
const ST = 'stream';
const STS = 'stream stream_server';
const STU = 'stream_upstream';

export const DIRECTIVES: readonly DirectiveRow[] = [
  // core, events
  ['include', 'main events http server location sif lif limit_except upstream stream stream_server stream_upstream', 'TAKE1'],
  ['daemon', 'main', 'FLAG'], ['master_process', 'main', 'FLAG'], ['timer_resolution', 'main', 'TAKE1'],
  ['pid', 'main', 'TAKE1'], ['lock_file', 'main', 'TAKE1'], ['worker_processes', 'main', 'TAKE1'],
  ['user', 'main', 'TAKE12'], ['worker_priority', 'main', 'TAKE1'], ['worker_cpu_affinity', 'main', '1MORE'],
  ['worker_rlimit_nofile', 'main', 'TAKE1'], ['worker_rlimit_core', 'main', 'TAKE1'],
  ['worker_shutdown_timeout', 'main', 'TAKE1'], ['working_directory', 'main', 'TAKE1'], ['env', 'main', 'TAKE1'],
  ['load_module', 'main', 'TAKE1'], ['pcre_jit', 'main', 'FLAG'], ['thread_pool', 'main', 'TAKE23'],
  ['error_log', 'main', '1MORE'], ['ssl_engine', 'main', 'TAKE1'],
  ['events', 'main', 'BLOCK|NOARGS', 'events'], ['http', 'main', 'BLOCK|NOARGS', 'http'],
  ['stream', 'main', 'BLOCK|NOARGS', 'stream'],
  ['worker_connections', 'events', 'TAKE1'], ['use', 'events', 'TAKE1'], ['multi_accept', 'events', 'FLAG'],
  ['accept_mutex', 'events', 'FLAG'], ['accept_mutex_delay', 'events', 'TAKE1'],
  ['debug_connection', 'events', 'TAKE1'], ['worker_aio_requests', 'events', 'TAKE1'],
  // http core
  ['server', H, 'BLOCK|NOARGS', 'server'], ['location', 'server location', 'BLOCK|TAKE12', 'location'],
  ['listen', 'server', '1MORE'], ['server_name', 'server', '1MORE'],
  ['variables_hash_max_size', H, 'TAKE1'], ['variables_hash_bucket_size', H, 'TAKE1'],
  ['server_names_hash_max_size', H, 'TAKE1'], ['server_names_hash_bucket_size', H, 'TAKE1'],
  ['connection_pool_size', HS, 'TAKE1'], ['request_pool_size', HS, 'TAKE1'],
  ['client_header_timeout', HS, 'TAKE1'], ['client_header_buffer_size', HS, 'TAKE1'],
  ['large_client_header_buffers', HS, 'TAKE2'], ['ignore_invalid_headers', HS, 'FLAG'],
  ['merge_slashes', HS, 'FLAG'], ['underscores_in_headers', HS, 'FLAG'],
  ['types_hash_max_size', HSL, 'TAKE1'], ['types_hash_bucket_size', HSL, 'TAKE1'],
  ['types', HSL, 'BLOCK|NOARGS', 'types'], ['default_type', HSL, 'TAKE1'],
  ['root', HSLF, 'TAKE1'], ['alias', 'location', 'TAKE1'], ['limit_except', 'location', 'BLOCK|1MORE', 'limit_except'],
  ['client_max_body_size', HSL, 'TAKE1'], ['client_body_buffer_size', HSL, 'TAKE1'],
  ['client_body_timeout', HSL, 'TAKE1'], ['client_body_temp_path', HSL, 'TAKE1234'],
  ['client_body_in_file_only', HSL, 'TAKE1'], ['client_body_in_single_buffer', HSL, 'FLAG'],
  ['sendfile', HSLF, 'FLAG'], ['sendfile_max_chunk', HSL, 'TAKE1'], ['aio', HSL, 'TAKE1'],
  ['directio', HSL, 'TAKE1'], ['tcp_nopush', HSL, 'FLAG'], ['tcp_nodelay', HSL, 'FLAG'],
  ['send_timeout', HSL, 'TAKE1'], ['postpone_output', HSL, 'TAKE1'],
  ['limit_rate', HSLF, 'TAKE1'], ['limit_rate_after', HSLF, 'TAKE1'],
  ['keepalive_timeout', HSL, 'TAKE12'], ['keepalive_requests', HSL, 'TAKE1'], ['keepalive_time', HSL, 'TAKE1'],
  ['keepalive_disable', HSL, 'TAKE12'], ['satisfy', HSL, 'TAKE1'], ['internal', 'location', 'NOARGS'],
  ['lingering_close', HSL, 'TAKE1'], ['lingering_time', HSL, 'TAKE1'], ['lingering_timeout', HSL, 'TAKE1'],
  ['reset_timedout_connection', HSL, 'FLAG'], ['absolute_redirect', HSL, 'FLAG'],
  ['server_name_in_redirect', HSL, 'FLAG'], ['port_in_redirect', HSL, 'FLAG'],
  ['log_not_found', HSL, 'FLAG'], ['log_subrequest', HSL, 'FLAG'], ['recursive_error_pages', HSL, 'FLAG'],
  ['server_tokens', HSL, 'TAKE1'], ['if_modified_since', HSL, 'TAKE1'], ['max_ranges', HSL, 'TAKE1'],
  ['chunked_transfer_encoding', HSL, 'FLAG'], ['etag', HSL, 'FLAG'], ['error_page', HSLF, '2MORE'],
  ['error_log', HSL, '1MORE'], ['open_file_cache', HSL, 'TAKE12'], ['open_file_cache_valid', HSL, 'TAKE1'],
  ['open_file_cache_min_uses', HSL, 'TAKE1'], ['open_file_cache_errors', HSL, 'FLAG'],
  ['resolver', HSL, '1MORE'], ['resolver_timeout', HSL, 'TAKE1'], ['try_files', 'server location', '2MORE'],
  ['output_buffers', HSL, 'TAKE2'], ['disable_symlinks', HSL, 'TAKE12'],
  ['gzip_vary', HSL, 'FLAG'], ['gzip_http_version', HSL, 'TAKE1'], ['gzip_proxied', HSL, '1MORE'],
  ['gzip_disable', HSL, '1MORE'],
  // rewrite, index, access, auth, log, headers
  ['rewrite', REWRITE, 'TAKE23'], ['return', REWRITE, 'TAKE12'], ['break', REWRITE, 'NOARGS'],
  ['set', REWRITE, 'TAKE2'], ['rewrite_log', 'http server sif location lif', 'FLAG'],
  ['uninitialized_variable_warn', 'http server sif location lif', 'FLAG'],
  ['if', 'server', 'BLOCK|1MORE', 'sif'], ['if', 'location', 'BLOCK|1MORE', 'lif'],
  ['index', HSL, '1MORE'], ['autoindex', HSL, 'FLAG'], ['autoindex_exact_size', HSL, 'FLAG'],
  ['autoindex_localtime', HSL, 'FLAG'], ['autoindex_format', HSL, 'TAKE1'],
  ['allow', HSLM, 'TAKE1'], ['deny', HSLM, 'TAKE1'],
  ['auth_basic', HSLM, 'TAKE1'], ['auth_basic_user_file', HSLM, 'TAKE1'],
  ['auth_request', HSL, 'TAKE1'], ['auth_request_set', HSL, 'TAKE2'],
  ['access_log', HSLFM, '1MORE'], ['log_format', H, '2MORE'], ['open_log_file_cache', HSL, 'TAKE1234'],
  ['add_header', HSLF, 'TAKE23'], ['add_trailer', HSLF, 'TAKE23'], ['expires', HSLF, 'TAKE12'],
  // filters and content
  ['gzip', HSLF, 'FLAG'], ['gzip_buffers', HSL, 'TAKE2'], ['gzip_types', HSL, '1MORE'],
  ['gzip_comp_level', HSL, 'TAKE1'], ['gzip_min_length', HSL, 'TAKE1'], ['gzip_static', HSL, 'TAKE1'],
  ['charset', HSLF, 'TAKE1'], ['source_charset', HSLF, 'TAKE1'], ['override_charset', HSLF, 'FLAG'],
  ['charset_types', HSL, '1MORE'], ['charset_map', H, 'BLOCK|TAKE2', 'charset_map'],
  ['sub_filter', HSL, 'TAKE2'], ['sub_filter_once', HSL, 'FLAG'], ['sub_filter_types', HSL, '1MORE'],
  ['ssi', HSLF, 'FLAG'], ['mirror', HSL, 'TAKE1'], ['mirror_request_body', HSL, 'FLAG'],
  ['stub_status', 'server location', 'NOARGS|TAKE1'], ['empty_gif', 'location', 'NOARGS'],
  ['valid_referers', 'server location', '1MORE'], ['dav_methods', HSL, '1MORE'],
  // variables from blocks, limits, real ip
  ['map', H, 'BLOCK|TAKE2', 'map'], ['map_hash_max_size', H, 'TAKE1'], ['map_hash_bucket_size', H, 'TAKE1'],
  ['geo', H, 'BLOCK|TAKE12', 'geo'], ['split_clients', H, 'BLOCK|TAKE2', 'split_clients'],
  ['limit_req_zone', H, 'TAKE3'], ['limit_req', HSL, 'TAKE123'], ['limit_req_status', HSL, 'TAKE1'],
  ['limit_req_log_level', HSL, 'TAKE1'], ['limit_conn_zone', H, 'TAKE2'], ['limit_conn', HSL, 'TAKE2'],
  ['limit_conn_status', HSL, 'TAKE1'], ['limit_conn_log_level', HSL, 'TAKE1'],
  ['set_real_ip_from', HSL, 'TAKE1'], ['real_ip_header', HSL, 'TAKE1'], ['real_ip_recursive', HSL, 'FLAG'],
  // ssl, http2
  ['ssl_certificate', HS, 'TAKE1'], ['ssl_certificate_key', HS, 'TAKE1'], ['ssl_protocols', HS, '1MORE'],
  ['ssl_ciphers', HS, 'TAKE1'], ['ssl_prefer_server_ciphers', HS, 'FLAG'], ['ssl_session_cache', HS, 'TAKE12'],
  ['ssl_session_timeout', HS, 'TAKE1'], ['ssl_session_tickets', HS, 'FLAG'], ['ssl_dhparam', HS, 'TAKE1'],
  ['ssl_client_certificate', HS, 'TAKE1'], ['ssl_verify_client', HS, 'TAKE1'], ['ssl_verify_depth', HS, 'TAKE1'],
  ['ssl_trusted_certificate', HS, 'TAKE1'], ['ssl_ecdh_curve', HS, 'TAKE1'], ['ssl_stapling', HS, 'FLAG'],
  ['ssl_buffer_size', HS, 'TAKE1'], ['ssl_early_data', HS, 'FLAG'], ['ssl_conf_command', HS, 'TAKE2'],
  ['http2_max_concurrent_streams', HS, 'TAKE1'], ['http2_recv_timeout', HS, 'TAKE1'],
  // upstream
  ['upstream', H, 'BLOCK|TAKE1', 'upstream'], ['server', 'upstream', '1MORE'], ['zone', 'upstream', 'TAKE12'],
  ['keepalive', 'upstream', 'TAKE1'], ['keepalive_timeout', 'upstream', 'TAKE1'],
  ['keepalive_requests', 'upstream', 'TAKE1'], ['keepalive_time', 'upstream', 'TAKE1'], ['ip_hash', 'upstream', 'NOARGS'],
  ['least_conn', 'upstream', 'NOARGS'], ['hash', 'upstream', 'TAKE12'], ['random', 'upstream', 'NOARGS|TAKE12'],
  // proxy and friends
  ['proxy_pass', 'location lif limit_except', 'TAKE1'], ['proxy_redirect', HSL, 'TAKE12'],
  ['proxy_set_header', HSL, 'TAKE2'], ['proxy_http_version', HSL, 'TAKE1'],
  ['proxy_connect_timeout', HSL, 'TAKE1'], ['proxy_send_timeout', HSL, 'TAKE1'],
  ['proxy_read_timeout', HSL, 'TAKE1'], ['proxy_buffering', HSL, 'FLAG'], ['proxy_buffer_size', HSL, 'TAKE1'],
  ['proxy_buffers', HSL, 'TAKE2'], ['proxy_busy_buffers_size', HSL, 'TAKE1'],
  ['proxy_temp_path', HSL, 'TAKE1234'], ['proxy_cache_path', H, '2MORE'], ['proxy_cache', HSL, 'TAKE1'],
  ['proxy_cache_valid', HSL, '1MORE'], ['proxy_cache_key', HSL, 'TAKE1'], ['proxy_next_upstream', HSL, '1MORE'],
  ['proxy_next_upstream_tries', HSL, 'TAKE1'], ['proxy_intercept_errors', HSL, 'FLAG'],
  ['proxy_hide_header', HSL, 'TAKE1'], ['proxy_pass_header', HSL, 'TAKE1'], ['proxy_ignore_headers', HSL, '1MORE'],
  ['proxy_request_buffering', HSL, 'FLAG'], ['proxy_cache_bypass', HSL, '1MORE'], ['proxy_no_cache', HSL, '1MORE'],
  ['proxy_cache_use_stale', HSL, '1MORE'], ['proxy_cache_lock', HSL, 'FLAG'], ['proxy_set_body', HSL, 'TAKE1'],
  ['proxy_max_temp_file_size', HSL, 'TAKE1'], ['proxy_ssl_server_name', HSL, 'FLAG'],
  ['proxy_ssl_verify', HSL, 'FLAG'], ['proxy_pass_request_body', HSL, 'FLAG'],
  ['proxy_pass_request_headers', HSL, 'FLAG'], ['proxy_method', HSL, 'TAKE1'],
  ['fastcgi_pass', LF, 'TAKE1'], ['fastcgi_param', HSL, 'TAKE23'], ['fastcgi_index', HSL, 'TAKE1'],
  ['fastcgi_split_path_info', HSL, 'TAKE1'], ['fastcgi_read_timeout', HSL, 'TAKE1'],
  ['fastcgi_buffers', HSL, 'TAKE2'], ['fastcgi_buffer_size', HSL, 'TAKE1'], ['fastcgi_temp_path', HSL, 'TAKE1234'],
  ['fastcgi_intercept_errors', HSL, 'FLAG'], ['uwsgi_pass', LF, 'TAKE1'], ['uwsgi_param', HSL, 'TAKE23'],
  ['uwsgi_temp_path', HSL, 'TAKE1234'], ['scgi_pass', LF, 'TAKE1'], ['scgi_param', HSL, 'TAKE23'],
  ['scgi_temp_path', HSL, 'TAKE1234'], ['grpc_pass', LF, 'TAKE1'], ['grpc_set_header', HSL, 'TAKE2'],
  ['grpc_read_timeout', HSL, 'TAKE1'], ['memcached_pass', LF, 'TAKE1'],
  // stream (not verifiable against Debian's default package: see the header)
  ['server', ST, 'BLOCK|NOARGS', 'stream_server'], ['listen', 'stream_server', '1MORE'],
  ['upstream', ST, 'BLOCK|TAKE1', 'stream_upstream'], ['server', STU, '1MORE'], ['zone', STU, 'TAKE12'],
  ['hash', STU, 'TAKE12'], ['least_conn', STU, 'NOARGS'], ['random', STU, 'NOARGS|TAKE12'],
  ['map', ST, 'BLOCK|TAKE2', 'map'], ['geo', ST, 'BLOCK|TAKE12', 'geo'],
  ['split_clients', ST, 'BLOCK|TAKE2', 'split_clients'], ['log_format', ST, '2MORE'],
  ['access_log', STS, '1MORE'], ['error_log', STS, '1MORE'], ['resolver', STS, '1MORE'],
  ['resolver_timeout', STS, 'TAKE1'], ['allow', STS, 'TAKE1'], ['deny', STS, 'TAKE1'],
  ['limit_conn_zone', ST, 'TAKE2'], ['limit_conn', STS, 'TAKE2'], ['tcp_nodelay', STS, 'FLAG'],
  ['proxy_pass', 'stream_server', 'TAKE1'], ['proxy_timeout', STS, 'TAKE1'], ['proxy_connect_timeout', STS, 'TAKE1'],
  ['proxy_buffer_size', STS, 'TAKE1'], ['proxy_next_upstream', STS, 'FLAG'],
  ['proxy_next_upstream_tries', STS, 'TAKE1'], ['proxy_responses', STS, 'TAKE1'], ['proxy_protocol', STS, 'FLAG'],
  ['return', 'stream_server', 'TAKE1'], ['set', 'stream_server', 'TAKE2'], ['ssl_preread', STS, 'FLAG'],
  ['preread_timeout', STS, 'TAKE1'], ['ssl_certificate', STS, 'TAKE1'], ['ssl_certificate_key', STS, 'TAKE1'],
];
