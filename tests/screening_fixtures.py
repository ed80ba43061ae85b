"""Small lists in the published formats, written by the tests themselves.

The SDN list's classic XML schema (``sdnList`` / ``sdnEntry`` with ``idList`` digital-currency
addresses, ``akaList``, ``nationalityList``, ``dateOfBirthList``) and its CSV set (``SDN.CSV``
without a header, ``-0-`` for empty, facts in the remarks; ``ALT.CSV``; ``ADD.CSV``), as the
Treasury publishes them; entries and addresses are made up (the wallets are the BIP-173, EIP-55
and TRON documentation examples, so their checksums are valid).
"""

from __future__ import annotations

BTC = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
ETH = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TRX = "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"
BTC_LEGACY = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"

SDN_XML = f"""<?xml version="1.0" standalone="yes"?>
<sdnList xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://tempuri.org/sdnList.xsd">
  <publshInformation>
    <Publish_Date>11/14/2026</Publish_Date>
    <Record_Count>4</Record_Count>
  </publshInformation>
  <sdnEntry>
    <uid>90001</uid>
    <firstName>Dmitriy Sergeyevich</firstName>
    <lastName>NIKOLAEV</lastName>
    <sdnType>Individual</sdnType>
    <programList><program>CYBER2</program></programList>
    <idList>
      <id><uid>1001</uid><idType>Digital Currency Address - XBT</idType><idNumber>{BTC}</idNumber></id>
      <id><uid>1002</uid><idType>Digital Currency Address - ETH</idType><idNumber>{ETH.lower()}</idNumber></id>
      <id><uid>1003</uid><idType>Email Address</idType><idNumber>ops@cryptex-jobs.example</idNumber></id>
      <id><uid>1004</uid><idType>Passport</idType><idNumber>7200000</idNumber><idCountry>Russia</idCountry></id>
    </idList>
    <akaList>
      <aka><uid>1101</uid><type>a.k.a.</type><category>strong</category>
        <lastName>NIKOLAYEV</lastName><firstName>Dmitry</firstName></aka>
    </akaList>
    <addressList><address><uid>1201</uid><city>Moscow</city><country>Russia</country></address></addressList>
    <nationalityList><nationality><uid>1301</uid><country>Russia</country><mainEntry>true</mainEntry></nationality>
    </nationalityList>
    <dateOfBirthList><dateOfBirthItem><uid>1401</uid><dateOfBirth>14 Feb 1988</dateOfBirth>
      <mainEntry>true</mainEntry></dateOfBirthItem></dateOfBirthList>
  </sdnEntry>
  <sdnEntry>
    <uid>90002</uid>
    <firstName>Chol Su</firstName>
    <lastName>PAK</lastName>
    <sdnType>Individual</sdnType>
    <programList><program>DPRK3</program></programList>
    <idList>
      <id><uid>2001</uid><idType>Digital Currency Address - XBT</idType><idNumber>{BTC_LEGACY}</idNumber></id>
    </idList>
    <akaList>
      <aka><uid>2101</uid><type>a.k.a.</type><category>strong</category>
        <lastName>PAK</lastName><firstName>Cheol-su</firstName></aka>
      <aka><uid>2102</uid><type>a.k.a.</type><category>weak</category><lastName>SONNY</lastName></aka>
    </akaList>
    <nationalityList><nationality><uid>2301</uid><country>Korea, North</country></nationality></nationalityList>
    <dateOfBirthList><dateOfBirthItem><uid>2401</uid><dateOfBirth>1985</dateOfBirth></dateOfBirthItem>
    </dateOfBirthList>
  </sdnEntry>
  <sdnEntry>
    <uid>90003</uid>
    <lastName>NORTHWIND STAFFING LLC</lastName>
    <sdnType>Entity</sdnType>
    <programList><program>DPRK3</program></programList>
    <idList>
      <id><uid>3001</uid><idType>Website</idType><idNumber>www.northwind-staffing.example</idNumber></id>
      <id><uid>3002</uid><idType>Digital Currency Address - USDT</idType><idNumber>{TRX}</idNumber></id>
    </idList>
    <addressList><address><uid>3201</uid><country>United Arab Emirates</country></address></addressList>
  </sdnEntry>
  <sdnEntry>
    <uid>90004</uid>
    <firstName>Maria</firstName>
    <lastName>GARCIA</lastName>
    <sdnType>Individual</sdnType>
    <programList><program>SDNTK</program></programList>
    <nationalityList><nationality><uid>4301</uid><country>Mexico</country></nationality></nationalityList>
  </sdnEntry>
</sdnList>
"""

SDN_CSV = (
    '90001,"NIKOLAEV, Dmitriy Sergeyevich","individual","CYBER2",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    '"DOB 14 Feb 1988; POB Moscow, Russia; nationality Russia; Email Address ops@cryptex-jobs.example; '
    f"Digital Currency Address - XBT {BTC}; alt. Digital Currency Address - ETH {ETH.lower()}; "
    'Gender Male."\r\n'
    '90002,"PAK, Chol Su","individual","DPRK3",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    f"\"DOB 1985; nationality Korea, North; Digital Currency Address - XBT {BTC_LEGACY}; a.k.a. 'SONNY'.\"\r\n"
    '90003,"NORTHWIND STAFFING LLC",-0- ,"DPRK3",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    f'"Website www.northwind-staffing.example; Digital Currency Address - USDT {TRX}."\r\n'
    '90004,"GARCIA, Maria","individual","SDNTK",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"nationality Mexico."\r\n'
    "\x1a"
)
ALT_CSV = '90001,1101,"aka","NIKOLAYEV, Dmitry",-0- \r\n90002,2101,"aka","PAK, Cheol-su",-0- \r\n'
ADD_CSV = '90001,1201,-0- ,"Moscow","Russia",-0- \r\n90003,3201,-0- ,-0- ,"United Arab Emirates",-0- \r\n'

DOMAINS_TXT = """# seized and known-fake company domains (test list)
acme-hiring.example
https://www.globex-careers.example/apply  # a fake recruiter's site
not a domain
"""
DOMAINS_CSV = (
    "domain,reason,date\nfake-co.example,seized by court order,2026-01-02\ninitech-jobs.example,fake employer,\n"
)
