import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Settings of the direct Alipay and WeChat Pay (API v3) connections. `config.ts` merges these
 * variables into its schema and calls `alipayConfigFrom` / `wechatPayConfigFrom` once the whole
 * environment parsed. A provider is configured when any of its variables is set; then every
 * required one must be, and every key must load, or the start stops naming the variable.
 *
 * Keys are PEM text in the variable (`\n` escapes are accepted, as .env files write them), bare
 * base64 DER as the Alipay console shows it, or a file named by the `*_FILE` variant.
 */
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
const httpsUrl = z.url({ protocol: /^https?$/ });

export const CHINA_PAYMENTS_ENV = {
  ROAMLINE_ALIPAY_APP_ID: z.string().regex(/^\d{8,32}$/, 'the Alipay app id (digits)').optional(),
  ROAMLINE_ALIPAY_PRIVATE_KEY: z.string().min(1).optional(),
  ROAMLINE_ALIPAY_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  ROAMLINE_ALIPAY_PUBLIC_KEY: z.string().min(1).optional(),
  ROAMLINE_ALIPAY_PUBLIC_KEY_FILE: z.string().min(1).optional(),
  ROAMLINE_ALIPAY_GATEWAY_URL: httpsUrl.optional(),
  ROAMLINE_ALIPAY_AGREEMENT: flag.default(false),
  ROAMLINE_WECHATPAY_MCH_ID: z.string().regex(/^\d{6,32}$/, 'the merchant id (digits)').optional(),
  ROAMLINE_WECHATPAY_APP_ID: z.string().regex(/^[A-Za-z0-9_]{1,32}$/, 'the AppID bound to the merchant id').optional(),
  ROAMLINE_WECHATPAY_MERCHANT_SERIAL_NO: z.string().regex(/^[0-9A-Fa-f]{8,64}$/, 'the serial number of the merchant API certificate (hex)').optional(),
  ROAMLINE_WECHATPAY_PRIVATE_KEY: z.string().min(1).optional(),
  ROAMLINE_WECHATPAY_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  ROAMLINE_WECHATPAY_APIV3_KEY: z.string().refine((value) => Buffer.byteLength(value, 'utf8') === 32, 'the APIv3 key is exactly 32 bytes').optional(),
  ROAMLINE_WECHATPAY_PLATFORM_KEYS: z.string().min(1).optional(),
  ROAMLINE_WECHATPAY_API_BASE_URL: httpsUrl.optional(),
};

const CHINA_PAYMENTS_SCHEMA = z.object(CHINA_PAYMENTS_ENV);
type ChinaPaymentsEnv = z.output<typeof CHINA_PAYMENTS_SCHEMA>;

export const ALIPAY_DEFAULT_GATEWAY_URL = 'https://openapi.alipay.com/gateway.do';
export const WECHATPAY_DEFAULT_API_BASE_URL = 'https://api.mch.weixin.qq.com';

/** Alipay (open platform, RSA2 public-key mode). */
export interface AlipayConfig {
  readonly appId: string;
  /** The application's private key, PKCS#8 PEM (requests are signed with it, SHA256withRSA). */
  readonly privateKeyPem: string;
  /** Alipay's public key, SPKI PEM (answers and notifies are verified with it). */
  readonly alipayPublicKeyPem: string;
  readonly gatewayUrl: string;
  /** The merchant has agreement (withholding) payments: off-session renewal through `alipay_agreement`. */
  readonly agreement: boolean;
}

/** A WeChat Pay platform certificate's or WeChat Pay public key's id (`Wechatpay-Serial`) and its key. */
export interface WechatPayPlatformKey {
  readonly serial: string;
  readonly publicKeyPem: string;
}

/** WeChat Pay API v3, direct merchant (domestic: CNY). */
export interface WechatPayConfig {
  readonly mchId: string;
  readonly appId: string;
  /** Serial number of the merchant API certificate, sent in every request's Authorization. */
  readonly merchantSerialNo: string;
  /** The merchant API private key (apiclient_key.pem), PKCS#8 PEM. */
  readonly privateKeyPem: string;
  /** The APIv3 key: 32 bytes, decrypts callback resources (AES-256-GCM). */
  readonly apiV3Key: string;
  /** One key, or two while WeChat Pay switches certificates / to its public key; chosen by serial. */
  readonly platformKeys: readonly WechatPayPlatformKey[];
  readonly apiBaseUrl: string;
}

const MAX_PLATFORM_KEYS = 4;

function pemText(value: string): string {
  return value.includes('\\n') ? value.replaceAll('\\n', '\n') : value;
}

function readKeyFile(path: string, variable: string, problems: string[]): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

/** The key text from `NAME` or from the file `NAME_FILE` (exactly one of them). */
function keyText(inline: string | undefined, file: string | undefined, variable: string, problems: string[]): string | undefined {
  if (inline !== undefined && file !== undefined) {
    problems.push(`${variable}: set either ${variable} or ${variable}_FILE, not both`);
    return undefined;
  }
  if (file !== undefined) return readKeyFile(file, `${variable}_FILE`, problems);
  if (inline === undefined) {
    problems.push(`${variable}: required (or ${variable}_FILE)`);
    return undefined;
  }
  return pemText(inline);
}

function bareDer(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  return /^[A-Za-z0-9+/]+={0,2}$/.test(compact) ? Buffer.from(compact, 'base64') : undefined;
}

/** An RSA private key from PEM (PKCS#1 or PKCS#8) or bare base64 DER, as PKCS#8 PEM. */
export function loadRsaPrivateKey(text: string): string {
  const der = text.includes('-----BEGIN') ? undefined : bareDer(text);
  let key: KeyObject;
  if (der === undefined) key = createPrivateKey(text);
  else {
    try {
      key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } catch {
      key = createPrivateKey({ key: der, format: 'der', type: 'pkcs1' });
    }
  }
  if (key.asymmetricKeyType !== 'rsa') throw new Error('not an RSA key');
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** An RSA public key from a PEM public key, a PEM certificate or bare base64 SPKI DER, as SPKI PEM. */
export function loadRsaPublicKey(text: string): string {
  let key: KeyObject;
  if (text.includes('-----BEGIN CERTIFICATE')) key = new X509Certificate(text).publicKey;
  else {
    const der = text.includes('-----BEGIN') ? undefined : bareDer(text);
    key = der === undefined ? createPublicKey(text) : createPublicKey({ key: der, format: 'der', type: 'spki' });
  }
  if (key.asymmetricKeyType !== 'rsa') throw new Error('not an RSA key');
  return key.export({ format: 'pem', type: 'spki' }).toString();
}

function loadKey(load: (text: string) => string, text: string | undefined, variable: string, problems: string[]): string | undefined {
  if (text === undefined) return undefined;
  try {
    return load(text);
  } catch (error) {
    problems.push(`${variable}: not a usable RSA key (${error instanceof Error ? error.message : 'unreadable'})`);
    return undefined;
  }
}

function anySet(e: ChinaPaymentsEnv, prefix: string): boolean {
  return Object.entries(e).some(([key, value]) => key.startsWith(prefix) && value !== undefined && key !== 'ROAMLINE_ALIPAY_AGREEMENT');
}

/** The Alipay settings, undefined when none is set; problems are appended to `problems`. */
export function alipayConfigFrom(e: ChinaPaymentsEnv, problems: string[]): AlipayConfig | undefined {
  if (!anySet(e, 'ROAMLINE_ALIPAY_')) {
    if (e.ROAMLINE_ALIPAY_AGREEMENT) problems.push('ROAMLINE_ALIPAY_AGREEMENT: Alipay is not configured (ROAMLINE_ALIPAY_APP_ID ...)');
    return undefined;
  }
  const before = problems.length;
  if (e.ROAMLINE_ALIPAY_APP_ID === undefined) problems.push('ROAMLINE_ALIPAY_APP_ID: required to use Alipay');
  const privateKeyPem = loadKey(loadRsaPrivateKey, keyText(e.ROAMLINE_ALIPAY_PRIVATE_KEY, e.ROAMLINE_ALIPAY_PRIVATE_KEY_FILE, 'ROAMLINE_ALIPAY_PRIVATE_KEY', problems), 'ROAMLINE_ALIPAY_PRIVATE_KEY', problems);
  const alipayPublicKeyPem = loadKey(loadRsaPublicKey, keyText(e.ROAMLINE_ALIPAY_PUBLIC_KEY, e.ROAMLINE_ALIPAY_PUBLIC_KEY_FILE, 'ROAMLINE_ALIPAY_PUBLIC_KEY', problems), 'ROAMLINE_ALIPAY_PUBLIC_KEY', problems);
  if (problems.length > before || e.ROAMLINE_ALIPAY_APP_ID === undefined || privateKeyPem === undefined || alipayPublicKeyPem === undefined) return undefined;
  return {
    appId: e.ROAMLINE_ALIPAY_APP_ID, privateKeyPem, alipayPublicKeyPem,
    gatewayUrl: e.ROAMLINE_ALIPAY_GATEWAY_URL ?? ALIPAY_DEFAULT_GATEWAY_URL, agreement: e.ROAMLINE_ALIPAY_AGREEMENT,
  };
}

/**
 * `SERIAL=FILE[,SERIAL=FILE]`: each file holds a WeChat Pay platform certificate (its serial must
 * match) or a WeChat Pay public key (serial `PUB_KEY_ID_...`).
 */
function platformKeysFrom(value: string | undefined, problems: string[]): WechatPayPlatformKey[] | undefined {
  const variable = 'ROAMLINE_WECHATPAY_PLATFORM_KEYS';
  if (value === undefined) {
    problems.push(`${variable}: required (SERIAL=FILE, one or two, comma-separated)`);
    return undefined;
  }
  const entries = value.split(',').map((part) => part.trim()).filter((part) => part.length > 0);
  if (entries.length === 0 || entries.length > MAX_PLATFORM_KEYS) {
    problems.push(`${variable}: expected 1 to ${MAX_PLATFORM_KEYS} SERIAL=FILE entries`);
    return undefined;
  }
  const keys: WechatPayPlatformKey[] = [];
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const serial = at > 0 ? entry.slice(0, at).trim() : '';
    const file = at > 0 ? entry.slice(at + 1).trim() : '';
    if (!/^[A-Za-z0-9_]{8,64}$/.test(serial) || file === '') {
      problems.push(`${variable}: "${entry.slice(0, 80)}" is not SERIAL=FILE`);
      continue;
    }
    if (keys.some((k) => k.serial === serial)) {
      problems.push(`${variable}: serial ${serial} listed twice`);
      continue;
    }
    const text = readKeyFile(file, variable, problems);
    if (text === undefined) continue;
    if (text.includes('-----BEGIN CERTIFICATE')) {
      try {
        const certSerial = new X509Certificate(text).serialNumber;
        if (certSerial.toUpperCase() !== serial.toUpperCase()) {
          problems.push(`${variable}: ${file} is the certificate ${certSerial}, not ${serial}`);
          continue;
        }
      } catch {
        problems.push(`${variable}: ${file} is not a readable certificate`);
        continue;
      }
    }
    const publicKeyPem = loadKey(loadRsaPublicKey, text, `${variable} (${serial})`, problems);
    if (publicKeyPem !== undefined) keys.push({ serial, publicKeyPem });
  }
  return keys.length === entries.length ? keys : undefined;
}

/** The WeChat Pay settings, undefined when none is set; problems are appended to `problems`. */
export function wechatPayConfigFrom(e: ChinaPaymentsEnv, problems: string[]): WechatPayConfig | undefined {
  if (!anySet(e, 'ROAMLINE_WECHATPAY_')) return undefined;
  const before = problems.length;
  const required = ['ROAMLINE_WECHATPAY_MCH_ID', 'ROAMLINE_WECHATPAY_APP_ID', 'ROAMLINE_WECHATPAY_MERCHANT_SERIAL_NO', 'ROAMLINE_WECHATPAY_APIV3_KEY'] as const;
  for (const name of required) if (e[name] === undefined) problems.push(`${name}: required to use WeChat Pay`);
  const privateKeyPem = loadKey(loadRsaPrivateKey, keyText(e.ROAMLINE_WECHATPAY_PRIVATE_KEY, e.ROAMLINE_WECHATPAY_PRIVATE_KEY_FILE, 'ROAMLINE_WECHATPAY_PRIVATE_KEY', problems), 'ROAMLINE_WECHATPAY_PRIVATE_KEY', problems);
  const platformKeys = platformKeysFrom(e.ROAMLINE_WECHATPAY_PLATFORM_KEYS, problems);
  const { ROAMLINE_WECHATPAY_MCH_ID: mchId, ROAMLINE_WECHATPAY_APP_ID: appId, ROAMLINE_WECHATPAY_MERCHANT_SERIAL_NO: serial, ROAMLINE_WECHATPAY_APIV3_KEY: apiV3Key } = e;
  if (problems.length > before || mchId === undefined || appId === undefined || serial === undefined || apiV3Key === undefined
    || privateKeyPem === undefined || platformKeys === undefined) return undefined;
  return {
    mchId, appId, merchantSerialNo: serial.toUpperCase(), privateKeyPem, apiV3Key, platformKeys,
    apiBaseUrl: e.ROAMLINE_WECHATPAY_API_BASE_URL ?? WECHATPAY_DEFAULT_API_BASE_URL,
  };
}
