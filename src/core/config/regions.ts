// Shape of a commercial or GovCloud region name; whether the region exists is the cloud's answer.
const REGION_NAME = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

export function isAwsRegionName(value: string): boolean {
  return REGION_NAME.test(value);
}
