<?php
/**
 * Settings > Cloudinary: the one settings model of the WordPress adapter (option
 * `cloudinary_connector_settings`), its validation, the page and the admin notices.
 *
 * The WebAssembly plugin's own `settings` record (docs/host-api.md §5) is a projection of this
 * option (cldc_plugin_record()), so WordPress and the plugin never hold two copies that disagree.
 *
 * @package CloudinaryConnector
 */

defined( 'ABSPATH' ) || exit;

const CLDC_OPTION       = 'cloudinary_connector_settings';
const CLDC_PAGE         = 'cloudinary-connector';
const CLDC_SUPPORT_URL  = 'https://github.com/cloudinary-connector/cloudinary-connector/issues';
const CLDC_SUPPORT_MAIL = 'support@cloudinary-connector.dev';
const CLDC_DOCS_URL     = 'https://github.com/cloudinary-connector/cloudinary-connector#wordpress';
const CLDC_LIMITS_URL   = 'https://github.com/cloudinary-connector/cloudinary-connector#known-limitations-wordpress';
/** The widget scripts a self-hosting site may point elsewhere (host object `scripts`). */
const CLDC_SCRIPTS = array(
	'media_library'    => 'Media Library widget script',
	'upload_widget'    => 'Upload widget script',
	'product_gallery'  => 'Product Gallery script',
	'video_player'     => 'Video Player script',
	'video_player_css' => 'Video Player stylesheet',
);

/** The settings a fresh install writes. */
function cldc_default_settings() {
	return array(
		'writtenBy'              => CLDC_VERSION,
		'signer_url'             => '',
		'environment'            => 'prod',
		'cloud_name'             => 'demo',
		'default_transformation' => 'f_auto,q_auto',
		'accounts'               => array(),
		'scripts'                => array_fill_keys( array_keys( CLDC_SCRIPTS ), '' ),
		'shortcut'               => true,
		'keep_data'              => false,
	);
}

/**
 * The stored settings, checked. A record that cannot be read is reported (admin notice) and the
 * defaults are used in its place; the stored value itself is left as it is, so nothing is lost.
 *
 * @return array{0: array, 1: string} The settings and, when the stored record was unusable, why.
 */
function cldc_settings_checked() {
	$raw = get_option( CLDC_OPTION, null );
	if ( null === $raw ) {
		return array( cldc_default_settings(), '' );
	}
	if ( ! is_array( $raw ) ) {
		return array( cldc_default_settings(), __( 'the stored value is not a settings record', 'cloudinary-connector' ) );
	}
	$errors = array();
	$clean  = cldc_validate_settings( array_merge( cldc_default_settings(), $raw ), $errors );
	if ( $errors ) {
		return array( cldc_default_settings(), implode( '; ', $errors ) );
	}
	$clean['writtenBy'] = isset( $raw['writtenBy'] ) ? (string) $raw['writtenBy'] : CLDC_VERSION;
	return array( $clean, '' );
}

/** The settings in use (see cldc_settings_checked()). */
function cldc_settings() {
	return cldc_settings_checked()[0];
}

/**
 * Validates a settings array (from the form or the database); each problem is added to $errors
 * as one sentence naming the field. Returns the cleaned settings (invalid fields keep defaults).
 *
 * @param array $in     Input.
 * @param array $errors Problems found, appended.
 */
function cldc_validate_settings( $in, array &$errors ) {
	$d   = cldc_default_settings();
	$out = $d;
	$str = function ( $k ) use ( $in ) {
		return isset( $in[ $k ] ) && is_scalar( $in[ $k ] ) ? trim( (string) $in[ $k ] ) : '';
	};

	$signer = $str( 'signer_url' );
	if ( '' !== $signer && ! cldc_is_allowed_url( $signer ) ) {
		$errors[] = sprintf( __( 'Signer URL: "%s" must be an https:// URL (http:// only for 127.0.0.1 or localhost)', 'cloudinary-connector' ), $signer );
	} else {
		$out['signer_url'] = untrailingslashit( $signer );
	}

	$env = $str( 'environment' );
	if ( ! in_array( $env, array( 'prod', 'stag', 'dev' ), true ) ) {
		$errors[] = sprintf( __( 'Environment: "%s" must be prod, stag or dev', 'cloudinary-connector' ), $env );
	} else {
		$out['environment'] = $env;
	}

	$cloud = $str( 'cloud_name' );
	if ( ! preg_match( '/^[A-Za-z0-9_-]{1,128}$/', $cloud ) ) {
		$errors[] = sprintf( __( 'Cloud name: "%s" may contain only letters, digits, "-" and "_"', 'cloudinary-connector' ), $cloud );
	} else {
		$out['cloud_name'] = $cloud;
	}

	// The transformation grammar is the URL engine's (the settings page checks it with the
	// plugin's own checkTransformation() before saving); here only what would break the stored
	// record or a URL's path: the same rule as the plugin's Settings::validate.
	$tx = $str( 'default_transformation' );
	if ( preg_match( '#[/?\#\s]#', $tx ) || strlen( $tx ) > 1000 ) {
		$errors[] = sprintf( __( 'Default transformation: "%s" is one step of qualifiers such as f_auto,q_auto (no "/", "?", "#" or spaces)', 'cloudinary-connector' ), $tx );
	} else {
		$out['default_transformation'] = $tx;
	}

	$accounts = isset( $in['accounts'] ) ? $in['accounts'] : array();
	if ( is_string( $accounts ) ) {
		$accounts = preg_split( '/[\s,]+/', $accounts, -1, PREG_SPLIT_NO_EMPTY );
	}
	if ( ! is_array( $accounts ) ) {
		$errors[] = __( 'Accounts: must be a list of signer account ids', 'cloudinary-connector' );
	} else {
		$ok = array();
		foreach ( $accounts as $a ) {
			if ( ! is_string( $a ) || ! preg_match( '/^[a-z0-9][a-z0-9_-]{0,63}$/', $a ) ) {
				$errors[] = sprintf( __( 'Accounts: "%s" is not a signer account id (a-z, 0-9, "-", "_")', 'cloudinary-connector' ), is_scalar( $a ) ? (string) $a : gettype( $a ) );
				continue;
			}
			$ok[] = $a;
		}
		$out['accounts'] = array_values( array_unique( $ok ) );
	}

	$scripts = isset( $in['scripts'] ) && is_array( $in['scripts'] ) ? $in['scripts'] : array();
	foreach ( CLDC_SCRIPTS as $k => $label ) {
		$v = isset( $scripts[ $k ] ) && is_scalar( $scripts[ $k ] ) ? trim( (string) $scripts[ $k ] ) : '';
		if ( '' !== $v && ! cldc_is_allowed_url( $v ) ) {
			$errors[] = sprintf( __( '%1$s: "%2$s" must be an https:// URL (http:// only for 127.0.0.1 or localhost)', 'cloudinary-connector' ), $label, $v );
			continue;
		}
		$out['scripts'][ $k ] = $v;
	}
	$out['shortcut']  = ! empty( $in['shortcut'] );
	$out['keep_data'] = ! empty( $in['keep_data'] );
	return $out;
}

/**
 * Whether a URL may be used for the signer or a widget script: https, or http on loopback.
 *
 * @param string $url URL.
 */
function cldc_is_allowed_url( $url ) {
	$p = wp_parse_url( $url );
	if ( ! $p || empty( $p['scheme'] ) || empty( $p['host'] ) || isset( $p['user'] ) || isset( $p['pass'] ) ) {
		return false;
	}
	if ( 'https' === $p['scheme'] ) {
		return true;
	}
	return 'http' === $p['scheme'] && in_array( $p['host'], array( '127.0.0.1', 'localhost', '[::1]' ), true );
}

/**
 * The version of the WebAssembly package shipped in pkg/ (its manifest), which equals
 * CLDC_VERSION in every release zip.
 */
function cldc_wasm_version() {
	$m = json_decode( (string) @file_get_contents( __DIR__ . '/../pkg/pkg.json' ), true ); // phpcs:ignore
	return is_array( $m ) && isset( $m['version'] ) && is_string( $m['version'] ) ? $m['version'] : CLDC_VERSION;
}

/**
 * The WebAssembly plugin's `settings` record (schema of docs/host-api.md §5) for these settings.
 * WordPress migrates the option itself (cldc_maybe_migrate), so the record is always current for
 * the shipped package: it names that package's version as its writer.
 *
 * @param array $s Settings.
 */
function cldc_plugin_record( array $s ) {
	return wp_json_encode(
		array(
			'writtenBy' => cldc_wasm_version(),
			'settings'  => array(
				'cloudName' => $s['cloud_name'],
				'delivery'  => array( 'defaultTransformation' => $s['default_transformation'] ),
				'ui'        => array( 'shortcut' => (bool) $s['shortcut'] ),
			),
		)
	);
}

/** Settings > Cloudinary. */
function cldc_admin_menu() {
	add_options_page( __( 'Cloudinary', 'cloudinary-connector' ), __( 'Cloudinary', 'cloudinary-connector' ), 'manage_options', CLDC_PAGE, 'cldc_render_settings_page' );
}

/** The option, through the Settings API (its sanitize callback validates and reports). */
function cldc_register_settings() {
	register_setting(
		CLDC_PAGE,
		CLDC_OPTION,
		array(
			'type'              => 'array',
			'sanitize_callback' => 'cldc_sanitize_settings',
			'show_in_rest'      => false,
		)
	);
}

/**
 * Sanitize callback: valid fields are saved; an invalid one keeps its stored value and gets an
 * error notice naming it.
 *
 * @param mixed $input Submitted value.
 */
function cldc_sanitize_settings( $input ) {
	if ( ! is_array( $input ) ) {
		$input = array();
	}
	$current = cldc_settings();
	if ( cldc_settings_from_newer_version() ) {
		add_settings_error( CLDC_OPTION, 'cldc_newer', __( 'The Cloudinary settings were written by a newer version of the plugin; this version does not change them. Install that version or later again.', 'cloudinary-connector' ), 'error' );
		return get_option( CLDC_OPTION );
	}
	if ( ! current_user_can( 'unfiltered_html' ) ) {
		// The signer URL receives users' tokens and the scripts run in every editor's page: only
		// users trusted with unfiltered HTML change them.
		$input['signer_url'] = $current['signer_url'];
		$input['scripts']    = $current['scripts'];
	}
	$errors  = array();
	$clean   = cldc_validate_settings( $input, $errors );
	foreach ( $errors as $e ) {
		add_settings_error( CLDC_OPTION, 'cldc_invalid', $e . '. ' . __( 'The stored value was kept.', 'cloudinary-connector' ), 'error' );
	}
	if ( $errors ) {
		// Keep the stored value of every field that failed.
		$probe = array();
		foreach ( array_keys( cldc_default_settings() ) as $k ) {
			$one = array_merge( $current, array( $k => isset( $input[ $k ] ) ? $input[ $k ] : null ) );
			$e   = array();
			cldc_validate_settings( $one, $e );
			$probe[ $k ] = $e ? $current[ $k ] : $clean[ $k ];
		}
		$clean = $probe;
	} else {
		add_settings_error( CLDC_OPTION, 'cldc_saved', __( 'Cloudinary settings saved.', 'cloudinary-connector' ), 'success' );
	}
	$clean['writtenBy'] = CLDC_VERSION;
	return $clean;
}

/** The settings page. */
function cldc_render_settings_page() {
	if ( ! current_user_can( 'manage_options' ) ) {
		return;
	}
	$s   = cldc_settings();
	$key = cldc_signing_key_status();
	$f   = function ( $k ) {
		return esc_attr( CLDC_OPTION . '[' . $k . ']' );
	};
	?>
	<div class="wrap cldc-settings">
		<h1><?php esc_html_e( 'Cloudinary Connector', 'cloudinary-connector' ); ?></h1>
		<div id="cldc-settings-notices" aria-live="polite"></div>
		<form method="post" action="options.php" id="cldc-settings-form">
			<?php settings_fields( CLDC_PAGE ); ?>
			<table class="form-table" role="presentation">
				<tr><th scope="row"><label for="cldc-signer-url"><?php esc_html_e( 'Signer URL', 'cloudinary-connector' ); ?></label></th>
					<td><input type="url" class="regular-text code" id="cldc-signer-url" name="<?php echo $f( 'signer_url' ); // phpcs:ignore ?>" value="<?php echo esc_attr( $s['signer_url'] ); ?>" placeholder="https://signer.example.com">
					<p class="description"><?php esc_html_e( 'Your cld-signer: the only place the Cloudinary API secret is kept. WordPress never holds it.', 'cloudinary-connector' ); ?></p></td></tr>
				<tr><th scope="row"><?php esc_html_e( 'Signing key', 'cloudinary-connector' ); ?></th>
					<td><p id="cldc-key-status" class="<?php echo $key['ok'] ? 'cldc-ok' : 'cldc-bad'; ?>"><?php echo esc_html( $key['message'] ); ?></p>
					<p class="description"><?php esc_html_e( 'Set in wp-config.php, never in the database: CLOUDINARY_CONNECTOR_SIGNING_KEY_FILE (an Ed25519 private key, PEM, outside the web root; the signer holds its public key) or CLOUDINARY_CONNECTOR_TOKEN_SECRET (HS256, the signer shares it).', 'cloudinary-connector' ); ?></p></td></tr>
				<tr><th scope="row"><label for="cldc-environment"><?php esc_html_e( 'Environment', 'cloudinary-connector' ); ?></label></th>
					<td><select id="cldc-environment" name="<?php echo $f( 'environment' ); // phpcs:ignore ?>">
					<?php foreach ( array( 'prod' => 'Production', 'stag' => 'Staging', 'dev' => 'Development' ) as $v => $label ) : ?>
						<option value="<?php echo esc_attr( $v ); ?>" <?php selected( $s['environment'], $v ); ?>><?php echo esc_html( $label ); ?></option>
					<?php endforeach; ?></select></td></tr>
				<tr><th scope="row"><label for="cldc-cloud-name"><?php esc_html_e( 'Cloud name', 'cloudinary-connector' ); ?></label></th>
					<td><input class="regular-text code" id="cldc-cloud-name" name="<?php echo $f( 'cloud_name' ); // phpcs:ignore ?>" value="<?php echo esc_attr( $s['cloud_name'] ); ?>">
					<p class="description"><?php esc_html_e( 'Used for images inserted by public ID when no account is selected.', 'cloudinary-connector' ); ?></p></td></tr>
				<tr><th scope="row"><label for="cldc-default-transformation"><?php esc_html_e( 'Default transformation', 'cloudinary-connector' ); ?></label></th>
					<td><input class="regular-text code" id="cldc-default-transformation" name="<?php echo $f( 'default_transformation' ); // phpcs:ignore ?>" value="<?php echo esc_attr( $s['default_transformation'] ); ?>">
					<p class="description"><?php esc_html_e( 'f_auto,q_auto (the default) picks the best format and quality per browser; DAM-only accounts get none.', 'cloudinary-connector' ); ?></p></td></tr>
				<tr><th scope="row"><label for="cldc-accounts"><?php esc_html_e( 'Accounts', 'cloudinary-connector' ); ?></label></th>
					<td><input class="regular-text code" id="cldc-accounts" name="<?php echo $f( 'accounts' ); // phpcs:ignore ?>" value="<?php echo esc_attr( implode( ', ', $s['accounts'] ) ); ?>" placeholder="main, archive">
					<p class="description"><?php esc_html_e( 'The signer account ids WordPress users get a role on (administrators: admin; Upload files: uploader; Edit posts: viewer).', 'cloudinary-connector' ); ?></p>
					<div id="cldc-signer-accounts" aria-live="polite"></div></td></tr>
				<?php foreach ( CLDC_SCRIPTS as $k => $label ) : ?>
				<tr><th scope="row"><label for="cldc-script-<?php echo esc_attr( $k ); ?>"><?php echo esc_html( $label ); ?></label></th>
					<td><input type="url" class="regular-text code" id="cldc-script-<?php echo esc_attr( $k ); ?>" name="<?php echo esc_attr( CLDC_OPTION . '[scripts][' . $k . ']' ); ?>" value="<?php echo esc_attr( $s['scripts'][ $k ] ); ?>" placeholder="<?php esc_attr_e( "Cloudinary's own (leave empty)", 'cloudinary-connector' ); ?>"></td></tr>
				<?php endforeach; ?>
				<tr><th scope="row"><?php esc_html_e( 'Keyboard shortcut', 'cloudinary-connector' ); ?></th>
					<td><label><input type="checkbox" name="<?php echo $f( 'shortcut' ); // phpcs:ignore ?>" value="1" <?php checked( $s['shortcut'] ); ?>> <?php esc_html_e( 'Ctrl+Shift+M toggles the Cloudinary panel', 'cloudinary-connector' ); ?></label></td></tr>
				<tr><th scope="row"><?php esc_html_e( 'When the plugin is deleted', 'cloudinary-connector' ); ?></th>
					<td><label><input type="checkbox" id="cldc-keep-data" name="<?php echo $f( 'keep_data' ); // phpcs:ignore ?>" value="1" <?php checked( $s['keep_data'] ); ?>> <?php esc_html_e( 'Keep these settings and the users\' Cloudinary account choices (a later install finds them)', 'cloudinary-connector' ); ?></label></td></tr>
			</table>
			<?php submit_button(); ?>
		</form>
		<h2><?php esc_html_e( 'Help', 'cloudinary-connector' ); ?></h2>
		<ul class="cldc-help">
			<li><a href="<?php echo esc_url( CLDC_DOCS_URL ); ?>"><?php esc_html_e( 'Usage documentation', 'cloudinary-connector' ); ?></a></li>
			<li><a href="<?php echo esc_url( CLDC_LIMITS_URL ); ?>"><?php esc_html_e( 'Known limitations', 'cloudinary-connector' ); ?></a></li>
			<li><?php esc_html_e( 'Support:', 'cloudinary-connector' ); ?> <a href="<?php echo esc_url( CLDC_SUPPORT_URL ); ?>"><?php esc_html_e( 'issue tracker', 'cloudinary-connector' ); ?></a>, <a href="mailto:<?php echo esc_attr( CLDC_SUPPORT_MAIL ); ?>"><?php echo esc_html( CLDC_SUPPORT_MAIL ); ?></a></li>
		</ul>
		<p class="description"><?php echo esc_html( sprintf( 'Cloudinary Connector %s', CLDC_VERSION ) ); ?></p>
	</div>
	<?php
}

/** One-time and standing admin notices of the plugin. */
function cldc_admin_notices() {
	if ( ! current_user_can( 'manage_options' ) ) {
		return;
	}
	$updated = get_transient( 'cldc_notice_updated' );
	if ( is_array( $updated ) ) {
		delete_transient( 'cldc_notice_updated' );
		printf(
			'<div class="notice notice-success is-dismissible cldc-notice-updated"><p>%s</p></div>',
			esc_html( sprintf( __( 'Cloudinary Connector was updated from %1$s to %2$s; its settings were migrated (%3$s).', 'cloudinary-connector' ), $updated['from'], $updated['to'], implode( ', ', $updated['steps'] ) ) )
		);
	}
	$newer = get_transient( 'cldc_notice_downgrade' );
	if ( is_string( $newer ) ) {
		printf(
			'<div class="notice notice-error cldc-notice-downgrade"><p>%s</p></div>',
			esc_html( sprintf( __( 'Cloudinary Connector %1$s found settings written by the newer version %2$s and left them untouched: downgrading is not supported. Install %2$s or later again; the editor integration is off until then.', 'cloudinary-connector' ), CLDC_VERSION, $newer ) )
		);
	}
	list( , $why ) = cldc_settings_checked();
	if ( '' !== $why ) {
		printf(
			'<div class="notice notice-error cldc-notice-corrupt"><p>%s</p></div>',
			esc_html( sprintf( __( 'The Cloudinary Connector settings could not be read (%s). The defaults are used until you save Settings > Cloudinary; the stored value was not changed.', 'cloudinary-connector' ), $why ) )
		);
	}
	$screen = function_exists( 'get_current_screen' ) ? get_current_screen() : null;
	if ( $screen && 'settings_page_' . CLDC_PAGE === $screen->id ) {
		return; // The page itself shows the key status and the signer check.
	}
	$s = cldc_settings();
	if ( '' === $s['signer_url'] ) {
		printf(
			'<div class="notice notice-warning cldc-notice-setup"><p>%s <a href="%s">%s</a></p></div>',
			esc_html__( 'Cloudinary Connector has no signer configured: the Media Library login and uploads need one.', 'cloudinary-connector' ),
			esc_url( admin_url( 'options-general.php?page=' . CLDC_PAGE ) ),
			esc_html__( 'Settings > Cloudinary', 'cloudinary-connector' )
		);
	}
}

/**
 * Plugin row: Settings link.
 *
 * @param array $links Links.
 */
function cldc_action_links( $links ) {
	array_unshift( $links, sprintf( '<a href="%s">%s</a>', esc_url( admin_url( 'options-general.php?page=' . CLDC_PAGE ) ), esc_html__( 'Settings', 'cloudinary-connector' ) ) );
	return $links;
}

/**
 * Plugin row meta: documentation, known limitations, support.
 *
 * @param array  $meta Meta links.
 * @param string $file Plugin file.
 */
function cldc_row_meta( $meta, $file ) {
	if ( plugin_basename( CLDC_FILE ) !== $file ) {
		return $meta;
	}
	$meta[] = sprintf( '<a href="%s">%s</a>', esc_url( CLDC_DOCS_URL ), esc_html__( 'Documentation', 'cloudinary-connector' ) );
	$meta[] = sprintf( '<a href="%s">%s</a>', esc_url( CLDC_LIMITS_URL ), esc_html__( 'Known limitations', 'cloudinary-connector' ) );
	$meta[] = sprintf( '<a href="%s">%s</a>', esc_url( CLDC_SUPPORT_URL ), esc_html__( 'Support', 'cloudinary-connector' ) );
	return $meta;
}
