// @ts-check
/* Words of the user interface (not configuration): what the pages call region levels, grid
   kinds, sexes, care levels and place groups. The configured vocabularies (resident kinds, key
   groups, place kinds, building uses …) come from the map configuration: lib/config.js. */

/** @type {Record<string, string>} */
export const REGION_LEVEL = {
  grid: "网格 grid", micro_grid: "微网格 micro-grid", village: "村/社区 village",
  township: "乡镇/街道 township", county: "县/区 county", city: "市 city", province: "省 province"
};

/** @type {Record<string, string>} */
export const GRID_KIND = { ordinary: "普通网格 ordinary", dedicated: "专属网格 dedicated" };

/** @type {Record<string, string>} */
export const GRID_PURPOSE = {
  school: "学校 school", hospital: "医院 hospital", market: "市场 market", park: "园区 park",
  enterprise: "企业 enterprise"
};

/** @type {Record<string, string>} */
export const SEX = { M: "男 M", F: "女 F" };

/** @type {Record<string, string>} */
export const CARE_LEVEL = { care: "关爱 care", attention: "关注 attention" };

/** The place groups in the order shown, and their names. */
export const PLACE_GROUPS = /** @type {[string, string][]} */ ([
  ["key", "重点场所 key places"],
  ["nine_small", "九小场所 nine small places"],
  ["public", "公共场所 public places"]
]);

export const GENERATED_BOUNDARIES = "演示数据：边界为生成示意 · demo data: generated boundaries";
