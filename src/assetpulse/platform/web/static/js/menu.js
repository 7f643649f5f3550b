// The menu as the manual draws it (【资产调剂共享】→ 调剂广场 …) and the route table.

const four = (kind, name) => ({
  label: name,
  items: [
    { label: `${name}发布`, href: `#/bills/${kind}/publish` },
    { label: `${name}审核`, href: `#/bills/${kind}/review` },
    { label: `${name}管理`, href: `#/bills/${kind}/manage` },
    { label: `${name}查询`, href: `#/bills/${kind}/query` },
  ],
});

export const MENU = [
  { label: "首页（数据看板）", href: "#/dashboard" },
  {
    label: "资产调剂共享",
    items: [
      { label: "调剂广场", href: "#/plaza/adjust" },
      { label: "共享广场", href: "#/plaza/share" },
      { label: "需求广场", href: "#/plaza/demand" },
      four("adjust", "调剂资产"),
      four("share", "共享资产"),
      four("demand", "我的需求"),
      { label: "调剂优先核查", href: "#/purchase-checks" },
      { label: "共享预约", href: "#/bookings" },
      { label: "未发布资产（不漏）", href: "#/omissions" },
      { label: "汇总系统上报", href: "#/mof" },
    ],
  },
  { label: "资产卡片", href: "#/cards" },
  { label: "卡片变动", href: "#/card-changes" },
  { label: "卡片业务", href: "#/card-business" },
  { label: "资产处置", href: "#/disposals" },
  { label: "资产盘点", href: "#/stocktakes" },
  { label: "资产动态监管", href: "#/monitor" },
  {
    label: "系统管理",
    items: [
      { label: "组织机构管理", href: "#/admin" },
      { label: "资产分类代码", href: "#/categories" },
      { label: "修改密码", href: "#/password" },
    ],
  },
];

export const ROUTES = [
  { pattern: /^\/dashboard$/, module: "./pages/dashboard.js" },
  { pattern: /^\/notifications$/, module: "./pages/notifications.js" },
  { pattern: /^\/plaza\/(adjust|share|demand)$/, module: "./pages/plaza.js" },
  { pattern: /^\/bills\/(adjust|share|demand)\/(publish|review|manage|query)$/, module: "./pages/bills.js" },
  { pattern: /^\/cards$/, module: "./pages/cards.js" },
  { pattern: /^\/card-changes$/, module: "./pages/card_changes.js" },
  { pattern: /^\/card-business$/, module: "./pages/card_business.js" },
  { pattern: /^\/disposals$/, module: "./pages/disposals.js" },
  { pattern: /^\/stocktakes$/, module: "./pages/stocktakes.js" },
  { pattern: /^\/stocktakes\/(\d+)$/, module: "./pages/stocktake_detail.js" },
  { pattern: /^\/stocktakes\/(\d+)\/scan$/, module: "./pages/scan.js" },
  { pattern: /^\/monitor$/, module: "./pages/monitor.js" },
  { pattern: /^\/purchase-checks(?:\/(\d+))?$/, module: "./pages/purchase_checks.js" },
  { pattern: /^\/bookings(?:\/(\d+))?$/, module: "./pages/bookings.js" },
  { pattern: /^\/omissions$/, module: "./pages/omissions.js" },
  { pattern: /^\/mof$/, module: "./pages/mof.js" },
  { pattern: /^\/admin$/, module: "./pages/admin.js" },
  { pattern: /^\/categories$/, module: "./pages/categories.js" },
  { pattern: /^\/password$/, module: "./pages/password.js" },
];
