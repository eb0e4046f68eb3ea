import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'roamline-cn-config-'));
const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs1 = app.privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
const pkcs8 = app.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const alipayPublicPem = alipay.publicKey.export({ format: 'pem', type: 'spki' }).toString();
const bare = (pem: string): string => pem.split('\n').filter((l) => !l.startsWith('-----')).join('');
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const platformKeyFile = file('pub_key.pem', platform.publicKey.export({ format: 'pem', type: 'spki' }).toString());

const base = { ROAMLINE_ENV: 'development' };
const alipayEnv = { ROAMLINE_ALIPAY_APP_ID: '2021000000000001', ROAMLINE_ALIPAY_PRIVATE_KEY: pkcs1, ROAMLINE_ALIPAY_PUBLIC_KEY: alipayPublicPem };
const wechatEnv = {
  ROAMLINE_WECHATPAY_MCH_ID: '1900000109', ROAMLINE_WECHATPAY_APP_ID: 'wxd678efh567hg6787',
  ROAMLINE_WECHATPAY_MERCHANT_SERIAL_NO: '3775b6a45acd588826d15e583a95f5dd0ebc8c8b', ROAMLINE_WECHATPAY_PRIVATE_KEY_FILE: file('apiclient_key.pem', pkcs8),
  ROAMLINE_WECHATPAY_APIV3_KEY: 'abcdefghijklmnopqrstuvwxyz012345', ROAMLINE_WECHATPAY_PLATFORM_KEYS: `PUB_KEY_ID_0119000001092025112700111=${platformKeyFile}`,
};

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
    return '';
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
}

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('Alipay and WeChat Pay configuration', () => {
  it('offers neither without settings', () => {
    const config = loadConfig(base);
    expect(config.alipay).toBeUndefined();
    expect(config.wechatpay).toBeUndefined();
    expect(config.paymentProviders).toEqual(['sandbox']);
  });

  it('offers a configured provider, with keys normalised to PKCS#8 / SPKI PEM', () => {
    const config = loadConfig({ ...base, ...alipayEnv, ...wechatEnv });
    expect(config.paymentProviders).toEqual(['sandbox', 'alipay', 'wechatpay']);
    expect(config.alipay).toMatchObject({ appId: '2021000000000001', gatewayUrl: 'https://openapi.alipay.com/gateway.do', agreement: false });
    expect(config.alipay?.privateKeyPem).toBe(pkcs8);
    expect(config.alipay?.alipayPublicKeyPem).toBe(alipayPublicPem);
    expect(config.wechatpay).toMatchObject({ mchId: '1900000109', merchantSerialNo: '3775B6A45ACD588826D15E583A95F5DD0EBC8C8B', apiBaseUrl: 'https://api.mch.weixin.qq.com' });
    expect(config.wechatpay?.platformKeys.map((k) => k.serial)).toEqual(['PUB_KEY_ID_0119000001092025112700111']);
    expect(loadConfig({ ...base, ...alipayEnv, ROAMLINE_PAYMENT_PROVIDERS: 'alipay' }).paymentProviders).toEqual(['alipay']);
  });

  it('reads keys as bare base64 (as the Alipay console shows them), with \\n escapes, or from files', () => {
    for (const privateKey of [bare(pkcs8), bare(pkcs1), pkcs1.replaceAll('\n', '\\n')]) {
      expect(loadConfig({ ...base, ...alipayEnv, ROAMLINE_ALIPAY_PRIVATE_KEY: privateKey, ROAMLINE_ALIPAY_PUBLIC_KEY: bare(alipayPublicPem) }).alipay?.privateKeyPem).toBe(pkcs8);
    }
    const { ROAMLINE_ALIPAY_PRIVATE_KEY: _inline, ...withoutInline } = alipayEnv;
    expect(loadConfig({ ...base, ...withoutInline, ROAMLINE_ALIPAY_PRIVATE_KEY_FILE: file('app.pem', pkcs1) }).alipay?.privateKeyPem).toBe(pkcs8);
  });

  it('stops the start naming each missing or unusable setting', () => {
    expect(problemsOf({ ...base, ROAMLINE_ALIPAY_APP_ID: '2021000000000001' })).toMatch(/ROAMLINE_ALIPAY_PRIVATE_KEY: required[\s\S]*ROAMLINE_ALIPAY_PUBLIC_KEY: required/);
    expect(problemsOf({ ...base, ...alipayEnv, ROAMLINE_ALIPAY_PRIVATE_KEY: 'not a key' })).toMatch(/ROAMLINE_ALIPAY_PRIVATE_KEY: not a usable RSA key/);
    expect(problemsOf({ ...base, ...alipayEnv, ROAMLINE_ALIPAY_PRIVATE_KEY_FILE: '/nonexistent/key.pem' })).toMatch(/either ROAMLINE_ALIPAY_PRIVATE_KEY or ROAMLINE_ALIPAY_PRIVATE_KEY_FILE/);
    expect(problemsOf({ ...base, ROAMLINE_ALIPAY_AGREEMENT: 'true' })).toMatch(/ROAMLINE_ALIPAY_AGREEMENT: Alipay is not configured/);
    expect(problemsOf({ ...base, ROAMLINE_PAYMENT_PROVIDERS: 'sandbox,wechatpay' })).toMatch(/ROAMLINE_PAYMENT_PROVIDERS: wechatpay is listed but not configured/);
    expect(problemsOf({ ...base, ...wechatEnv, ROAMLINE_WECHATPAY_APIV3_KEY: 'short' })).toMatch(/ROAMLINE_WECHATPAY_APIV3_KEY: the APIv3 key is exactly 32 bytes/);
    expect(problemsOf({ ...base, ...wechatEnv, ROAMLINE_WECHATPAY_PLATFORM_KEYS: 'SERIAL_ONLY' })).toMatch(/is not SERIAL=FILE/);
    expect(problemsOf({ ...base, ...wechatEnv, ROAMLINE_WECHATPAY_PLATFORM_KEYS: `PUB_KEY_ID_1234567890=${join(dir, 'missing.pem')}` })).toMatch(/cannot read/);
    const { ROAMLINE_WECHATPAY_MCH_ID: _mch, ...withoutMch } = wechatEnv;
    expect(problemsOf({ ...base, ...withoutMch })).toMatch(/ROAMLINE_WECHATPAY_MCH_ID: required to use WeChat Pay/);
    expect(problemsOf({ ...base, ROAMLINE_ALIPAY_GATEWAY_URL: 'ftp://example' })).toMatch(/ROAMLINE_ALIPAY_GATEWAY_URL/);
  });

  it.skipIf(!hasOpenssl())('takes a platform certificate under its own serial (two keys during a switch)', () => {
    const keyFile = file('platform_key.pem', platform.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    const certFile = join(dir, 'wechatpay_cert.pem');
    execFileSync('openssl', ['req', '-new', '-x509', '-key', keyFile, '-out', certFile, '-days', '30', '-subj', '/CN=Tenpay.com Root CA', '-set_serial', '0x5157F09EFDC096DE15EBE81A47057A7232F1B8E1'], { stdio: 'ignore' });
    const keys = `5157F09EFDC096DE15EBE81A47057A7232F1B8E1=${certFile},PUB_KEY_ID_0119000001092025112700111=${platformKeyFile}`;
    const config = loadConfig({ ...base, ...wechatEnv, ROAMLINE_WECHATPAY_PLATFORM_KEYS: keys });
    expect(config.wechatpay?.platformKeys.map((k) => k.serial)).toEqual(['5157F09EFDC096DE15EBE81A47057A7232F1B8E1', 'PUB_KEY_ID_0119000001092025112700111']);
    expect(config.wechatpay?.platformKeys[0]?.publicKeyPem).toBe(config.wechatpay?.platformKeys[1]?.publicKeyPem);
    expect(problemsOf({ ...base, ...wechatEnv, ROAMLINE_WECHATPAY_PLATFORM_KEYS: `AAAAAAAAAAAAAAAA=${certFile}` })).toMatch(/is the certificate 5157F09E/);
  });
});
