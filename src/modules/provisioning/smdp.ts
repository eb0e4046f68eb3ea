/**
 * The SM-DP+ (Subscription Manager Data Preparation) that serves eSIM profiles. Roamline talks to
 * it as the operator over GSMA SGP.22 ES2+; the real client is a later issue. An implementation is
 * called outside any database transaction (it is a network call): the inventory records the
 * allocation first and the SM-DP+ answer afterwards.
 */
export interface EsimProfileRef {
  readonly iccid: string;
  /** What the pool holds for this profile (pre-released profiles already have both). */
  readonly smdpAddress: string;
  readonly matchingId: string;
}

export interface SmdpClient {
  readonly name: string;
  /**
   * ES2+ `ConfirmOrder`: makes the profile downloadable and answers the SM-DP+ address and the
   * matching id to put in the activation code. Must be idempotent for one ICCID.
   */
  confirmOrder(profile: EsimProfileRef): Promise<{ smdpAddress: string; matchingId: string }>;
}

/**
 * The embedded default: the pool was loaded with profiles that the SM-DP+ already released, so the
 * pool's own address and matching id are the answer.
 */
export const localSmdpClient: SmdpClient = {
  name: 'local',
  async confirmOrder(profile) {
    return { smdpAddress: profile.smdpAddress, matchingId: profile.matchingId };
  },
};
