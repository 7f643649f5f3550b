// Who may use what, from the user type and roles of /me: the menu, the landing page and the
// buttons follow the rules the server enforces (org/scope.py, platform/store/access.py), so
// that nobody fills in a whole form only to be told 403. The server stays the judge: a
// button shown here may still be refused, one hidden here was never going to work.

const has = (me, role) => ((me && me.roles) || []).includes(role);

export const isFinance = (me) => !!me && me.user_type === "002";
/** 经办岗 of a budget unit: cards, photos, bills with asset lines, stocktake tasks. */
export const isUnitOperator = (me) => !!me && !isFinance(me) && me.unit_kind === "unit" && has(me, "operator");
export const isOperator = (me) => has(me, "operator");
export const isReviewer = (me) => has(me, "reviewer");
export const isAssetUser = (me) => has(me, "asset_user");
export const isUnitStaff = (me) => !!me && me.unit_kind === "unit" && (has(me, "operator") || has(me, "reviewer"));
/** Finance (province-wide) and competent departments (their units) read many units at once. */
export const seesManyUnits = (me) => isFinance(me) || (!!me && me.unit_kind === "competent");
/** An asset user (资产使用人) and nothing else: the stocktaker of a department. */
export const isStocktakerOnly = (me) => isAssetUser(me) && !has(me, "operator") && !has(me, "reviewer") && !has(me, "admin");

/** 数据看板 follows the server's card scope: a unit's staff and administrators, competent
 * departments and finance; a department's stocktaker has none. */
export const hasDashboard = (me) => isFinance(me) || (!!me && me.unit_kind === "competent")
  || (!!me && me.unit_kind === "unit" && (isUnitStaff(me) || has(me, "admin")));

// path pattern (of the hash route) → who may open it; a path not listed is open to everyone
const PAGES = [
  [/^\/dashboard$/, hasDashboard],
  [/^\/bills\/(adjust|share)\/(publish|manage)$/, isUnitOperator],
  [/^\/bills\/demand\/(publish|manage)$/, isOperator],
  [/^\/bills\/[a-z]+\/review$/, isReviewer],
  [/^\/bills\/[a-z]+\/query$/, (me) => isOperator(me) || isReviewer(me)],
  // 调剂优先核查: operators record checks; reviewers and those above the unit audit them
  [/^\/purchase-checks(\/|$)/, (me) => isOperator(me) || isReviewer(me) || seesManyUnits(me)],
  // 共享预约: the units that lend and borrow (their operators, reviewers and asset users)
  [/^\/bookings(\/|$)/, (me) => !!me && me.unit_kind === "unit" && (isUnitStaff(me) || isAssetUser(me))],
  [/^\/omissions$/, (me) => isOperator(me) || isReviewer(me) || seesManyUnits(me)],
  [/^\/card-changes$/, (me) => isUnitStaff(me)],
  // 收回、拆分、退库 and proposing a disposal: the unit's 经办岗; reviewing it: its 审核岗
  [/^\/card-business$/, isUnitOperator],
  [/^\/disposals$/, (me) => isUnitStaff(me)],
  [/^\/stocktakes(\/|$)/, (me) => !!me && me.unit_kind === "unit" && (isUnitStaff(me) || isAssetUser(me))],
  [/^\/monitor$/, (me) => isUnitStaff(me) || has(me, "admin") || seesManyUnits(me)],
  // org/admin_rules.py: administrators of a unit or (finance) of the region; MOF: finance
  [/^\/admin$/, (me) => has(me, "admin")],
  // GB/T 14885 tables: every administrator reads what they are; finance's loads them
  [/^\/categories$/, (me) => has(me, "admin")],
  [/^\/mof$/, (me) => isFinance(me) && me.unit_kind === "finance"],
];

export function mayOpen(me, path) {
  const rule = PAGES.find(([re]) => re.test(path));
  return !rule || rule[1](me);
}

/** The menu entry's route (its href without # and query) may be opened by this user. */
export function mayOpenHref(me, href) {
  return mayOpen(me, String(href || "").replace(/^#/, "").split("?")[0]);
}

/** Where the user starts: a stocktaker on 资产盘点, everyone with a 数据看板 on it (issue 17);
 * otherwise finance on the province's idle assets, a unit's reviewer on what waits for
 * them, everyone else on the adjustment plaza. */
export function landing(me) {
  if (isStocktakerOnly(me)) return "#/stocktakes";
  if (hasDashboard(me)) return "#/dashboard";
  if (isFinance(me)) return "#/monitor";
  if (isReviewer(me) && me.unit_kind === "unit" && !isOperator(me)) return "#/card-changes";
  return "#/plaza/adjust";
}
