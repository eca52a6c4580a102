"""The Scrapy project: spiders fetch and extract; every rule about meaning lives in `status`."""
